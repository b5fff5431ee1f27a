from odoo import fields, models


class CustomerHobby(models.Model):
    """A hobby or interest of a contact person, used as a tag (golf, tea, calligraphy...)."""

    _name = "customer.hobby"
    _inherit = ["customer.governed.mixin"]
    _description = "Hobby / Interest"
    _order = "name, id"

    name = fields.Char(required=True, translate=True)
    color = fields.Integer()
    active = fields.Boolean(default=True)

    _name_unique = models.Constraint("UNIQUE (name)", "This hobby already exists.")
