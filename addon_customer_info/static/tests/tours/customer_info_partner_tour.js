import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_utils";

/**
 * A salesperson's day: open a customer, relate a contact person to it as its decision
 * maker (choosing the relation as seen from the company), and log a call.
 * Prepared and checked by TestCustomerInfoUi.test_partner_relation_and_activity_tour.
 */
registry.category("web_tour.tours").add("customer_info_partner_tour", {
    url: "/odoo",
    steps: () => [
        ...stepUtils.goToAppSteps("addon_customer_info.menu_customer_info_root", "Open Customer Information"),
        {
            content: "Search the customer",
            trigger: ".o_searchview_input",
            run: "edit Tour Co Mingyuan",
        },
        {
            content: "Search by name",
            trigger: ".o_searchview_autocomplete .o-dropdown-item:first",
            run: "click",
        },
        {
            content: "Open the customer",
            trigger: ".o_data_row .o_data_cell:contains('Tour Co Mingyuan')",
            run: "click",
        },
        {
            content: "Go to the Relations tab",
            trigger: ".o_notebook_headers a[name='ci_relations']",
            run: "click",
        },
        {
            content: "Add a relation",
            trigger: "button[name='action_ci_add_relation']",
            run: "click",
        },
        {
            content: "The dialog starts from this customer",
            trigger: ".modal .o_field_widget[name='this_partner_id'] input:value('Tour Co Mingyuan')",
        },
        {
            content: "Open the relation choices",
            trigger: ".modal .o_field_widget[name='directed_type'] input",
            run: "click",
        },
        {
            content: "Choose the relation as seen from the company",
            trigger: ".o_select_menu_menu .o_select_menu_item:contains('has decision maker')",
            run: "click",
        },
        {
            content: "Type the contact person",
            trigger: ".modal .o_field_widget[name='other_partner_id'] input",
            run: "edit Tour Person Wang",
        },
        {
            content: "Pick the contact person",
            trigger: ".o-autocomplete--dropdown-item:contains('Tour Person Wang')",
            run: "click",
        },
        {
            content: "Save the relation",
            trigger: ".modal .o_form_button_save",
            run: "click",
        },
        {
            content: "The relation is listed with the company's label",
            trigger:
                ".o_field_widget[name='ci_relation_ids'] .o_data_row:contains('has decision maker'):contains('Tour Person Wang')",
        },
        {
            content: "Go to the Activities tab",
            trigger: ".o_notebook_headers a[name='ci_activities']",
            run: "click",
        },
        {
            content: "Log an activity",
            trigger: "button[name='action_ci_log_activity']",
            run: "click",
        },
        {
            content: "Type the activity type",
            trigger: ".modal .o_field_widget[name='type_id'] input",
            run: "edit Call",
        },
        {
            content: "Pick the call type",
            trigger: ".o-autocomplete--dropdown-item:contains('Call')",
            run: "click",
        },
        {
            content: "Write the subject",
            trigger: ".modal .o_field_widget[name='name'] input",
            run: "edit Tour call about the framework contract",
        },
        {
            content: "Save the activity",
            trigger: ".modal .o_form_button_save",
            run: "click",
        },
        {
            content: "The activity is listed on the customer",
            trigger:
                ".o_field_widget[name='ci_activity_ids'] .o_data_row:contains('Tour call about the framework contract')",
        },
    ],
});
