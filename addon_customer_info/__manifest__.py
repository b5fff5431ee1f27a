{
    "name": "Customer Information",
    "summary": "Customer profiles, typed relations, activity log, credit levels and data quality "
    "on Odoo contacts",
    "version": "19.0.1.0.0",
    "category": "Sales/Customer Information",
    "author": "Customer Info Team",
    "license": "LGPL-3",
    "depends": ["contacts", "mail"],
    "data": [
        "security/res_groups.xml",
        "views/customer_info_menus.xml",
    ],
    "application": True,
    "installable": True,
}
