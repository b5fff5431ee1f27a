import { registry } from "@web/core/registry";

/**
 * A salesperson needs the sensitive details of a colleague's customer: they ask from the
 * contact form, a manager approves from Privacy > Access Requests, and the salesperson then
 * sees the contact's preferences. Three tours, one per person and step, prepared and checked by
 * TestAccessRequestUi.test_request_approve_and_see_tour.
 */
/** Every step waits up to a minute (not the default 10 s): each follows a server round trip (the
 * contact's form, the request's dialog, a decision), slow on a loaded test machine. */
const patient = (steps) => steps.map((step) => ({ timeout: 60000, ...step }));

registry.category("web_tour.tours").add("customer_access_request_ask_tour", {
    steps: () => patient([
        {
            content: "The contact's sensitive details are hidden: a banner says so",
            trigger: "div[name='ci_sensitive_banner']:contains('not your customer')",
        },
        {
            content: "Ask for access",
            trigger: "div[name='ci_sensitive_banner'] button[name='action_ci_request_sensitive_access']",
            run: "click",
        },
        {
            content: "The request is for the contact's company",
            trigger: ".modal .o_field_widget[name='partner_id'] input:value('Tour Foreign Customer')",
        },
        {
            content: "Say why",
            trigger: ".modal .o_field_widget[name='reason'] textarea",
            run: "edit Preparing the joint visit next week",
        },
        {
            content: "Send the request",
            trigger: ".modal-footer button:contains('Send Request')",
            run: "click",
        },
        {
            content: "The dialog closes; the details stay hidden until a manager decides",
            trigger: "body:not(:has(.modal)) div[name='ci_sensitive_banner']",
        },
        {
            content: "Asking again opens the same request, with its Withdraw button",
            trigger: "div[name='ci_sensitive_banner'] button[name='action_ci_request_sensitive_access']",
            run: "click",
        },
        {
            content: "It is the pending request",
            trigger:
                ".modal .o_field_widget[name='reason']:contains('Preparing the joint visit next week')",
        },
        {
            content: "The requester may withdraw it but not approve it",
            trigger: ".modal:not(:has(button[name='action_approve'])) button[name='action_withdraw']",
        },
        {
            content: "Close the dialog",
            trigger: ".modal-footer button:contains('Close')",
            run: "click",
        },
        {
            content: "Back on the contact",
            trigger: "body:not(:has(.modal)) .o_form_view",
        },
    ]),
});

registry.category("web_tour.tours").add("customer_access_request_approve_tour", {
    steps: () => patient([
        {
            content: "The request waits for the manager's decision",
            // the reason's cell: the row's middle may be the requester's avatar, which opens a card
            trigger: ".o_data_row:contains('Tour Foreign Customer'):contains('Requested') td[name='reason']",
            run: "click",
        },
        {
            content: "The manager reads the reason",
            trigger: ".o_field_widget[name='reason']:contains('Preparing the joint visit next week')",
        },
        {
            content: "Approve",
            trigger: "button[name='action_approve']",
            run: "click",
        },
        {
            content: "The request is approved",
            trigger: ".o_field_widget[name='state'] .o_arrow_button_current:contains('Approved')",
        },
        {
            content: "It can be revoked now, not approved again",
            trigger:
                ".o_form_view:not(:has(button[name='action_approve'])) button[name='action_revoke']",
        },
    ]),
});

registry.category("web_tour.tours").add("customer_access_request_granted_tour", {
    steps: () => patient([
        {
            content: "The contact opens without the banner",
            trigger: ".o_form_view:not(:has(div[name='ci_sensitive_banner']))",
        },
        {
            content: "Go to the Profile tab",
            trigger: ".o_notebook_headers a[name='ci_profile']",
            run: "click",
        },
        {
            content: "The preferences are shown now",
            trigger:
                ".o_field_widget[name='ci_preferences'] textarea:value('Green tea, no meetings on Fridays')",
        },
    ]),
});
