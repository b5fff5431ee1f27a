import { registry } from "@web/core/registry";

/**
 * A contact tells us on the phone they want our newsletter, and later that they no longer do:
 * grant it from the Consent tab, then withdraw it from the state row in one click.
 * Prepared and checked by TestCustomerConsentUi.test_consent_tab_tour.
 */
registry.category("web_tour.tours").add("customer_consent_tour", {
    steps: () => [
        {
            content: "Go to the Consent tab",
            trigger: ".o_notebook_headers a[name='ci_consent']",
            run: "click",
        },
        {
            content: "Nothing recorded yet",
            trigger: ".o_field_widget[name='ci_consent_state_ids']:not(:has(.o_data_row))",
        },
        {
            content: "Grant",
            trigger: "button[name='action_ci_record_consent']:contains('Grant')",
            run: "click",
        },
        {
            content: "The form is a grant for this contact",
            trigger: ".modal .o_field_widget[name='partner_id']:contains('Tour Consent Person')",
        },
        {
            content: "Type the purpose",
            trigger: ".modal .o_field_widget[name='purpose_ids'] input",
            run: "edit Marketing Communications",
        },
        {
            content: "Pick the purpose",
            trigger: ".o-autocomplete--dropdown-item:contains('Marketing Communications')",
            run: "click",
        },
        {
            content: "Type the channel",
            trigger: ".modal .o_field_widget[name='channel_ids'] input",
            run: "edit Email",
        },
        {
            content: "Pick the channel",
            trigger: ".o-autocomplete--dropdown-item:contains('Email')",
            run: "click",
        },
        {
            content: "Say how",
            trigger: ".modal .o_field_widget[name='note'] textarea",
            run: "edit Asked for the newsletter on the phone",
        },
        {
            content: "Record",
            trigger: ".modal button[name='action_record']",
            run: "click",
        },
        {
            content: "Confirm that the register cannot be changed afterwards",
            trigger: ".modal:contains(Confirmation) .btn:contains(Ok)",
            run: "click",
        },
        {
            content: "The consent is granted",
            trigger:
                ".o_field_widget[name='ci_consent_state_ids'] .o_data_row:contains('Marketing Communications'):contains('Granted')",
        },
        {
            content: "Withdraw it from its row",
            trigger:
                ".o_field_widget[name='ci_consent_state_ids'] .o_data_row:contains('Marketing Communications') button[name='action_withdraw']",
            run: "click",
        },
        {
            content: "Confirm the withdrawal",
            trigger: ".modal:contains(Confirmation) .btn:contains(Ok)",
            run: "click",
        },
        {
            content: "The consent is withdrawn",
            trigger:
                ".o_field_widget[name='ci_consent_state_ids'] .o_data_row:contains('Marketing Communications'):contains('Withdrawn')",
        },
        {
            content: "Both events are in the history",
            trigger: ".o_field_widget[name='ci_consent_event_ids'] .o_data_row:contains('Withdraw')",
        },
    ],
});
