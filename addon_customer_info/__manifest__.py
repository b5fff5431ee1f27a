# ruff: noqa: B018  (an Odoo manifest is a bare dict expression)
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
        "security/ir.model.access.csv",
        "data/customer_classification_data.xml",
        "data/customer_region_data.xml",
        "views/customer_type_views.xml",
        "views/customer_nature_views.xml",
        "views/customer_source_views.xml",
        "views/customer_level_views.xml",
        "views/customer_region_views.xml",
        "views/res_partner_views.xml",
        "views/customer_info_menus.xml",
    ],
    "application": True,
}
