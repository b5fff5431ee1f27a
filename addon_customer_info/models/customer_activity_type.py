from odoo import fields, models

CHANNELS = [
    ("in_person", "In Person"),
    ("phone", "Phone"),
    ("email", "Email"),
    ("sms", "SMS"),
    ("instant_message", "Instant Message (WeChat, WhatsApp...)"),
    ("video", "Video Call"),
    ("post", "Post / Courier"),
    ("event", "Event"),
    ("online", "Online Form / Website"),
    ("other", "Other"),
]
DIRECTIONS = [("outbound", "Outbound"), ("inbound", "Inbound")]


class CustomerActivityType(models.Model):
    """A kind of interaction worth logging: a mailing, an event, a gift, a visit, a call...

    Multi-company: no company rule, the list is configuration shared by all companies (the
    activities themselves have their company).
    """

    _name = "customer.activity.type"
    _inherit = ["customer.governed.mixin"]
    _description = "Customer Activity Type"
    _order = "sequence, name, id"

    name = fields.Char(required=True, translate=True)
    code = fields.Char(copy=False, help="Stable technical key for imports and the sync worker.")
    icon = fields.Char(default="fa-comments", help="Font Awesome icon, e.g. fa-gift.")
    sequence = fields.Integer(default=10)
    color = fields.Integer()
    active = fields.Boolean(default=True)
    default_channel = fields.Selection(CHANNELS)
    default_direction = fields.Selection(DIRECTIONS, default="outbound")
    has_cost = fields.Boolean(
        string="Has Cost / Value",
        help="Entries of this type record what they cost or were worth (gifts, events).",
    )
    description = fields.Text(translate=True)

    _code_unique = models.Constraint("UNIQUE (code)", "This code is already used.")
