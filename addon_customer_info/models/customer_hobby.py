from odoo import fields, models


class CustomerHobby(models.Model):
    """A hobby or interest of a contact person, used as a tag (golf, tea, calligraphy...).

    Multi-company: no company rule, the tags are shared by all companies like Odoo's contact
    tags (res.partner.category); which contact has which hobby is on the contact.
    """

    _name = "customer.hobby"
    _inherit = ["customer.governed.mixin"]
    _description = "Hobby / Interest"
    _order = "name, id"

    name = fields.Char(required=True, translate=True)
    color = fields.Integer()
    active = fields.Boolean(default=True)

    _name_unique = models.Constraint("UNIQUE (name)", "This hobby already exists.")
