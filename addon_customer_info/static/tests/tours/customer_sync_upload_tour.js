import { registry } from "@web/core/registry";
import { inputFiles } from "@web/../tests/utils";
import { stepUtils } from "@web_tour/tour_utils";

/**
 * An admin uploads a purchased list to its source: a GBK-encoded CSV with a title row above the
 * Chinese header. The wizard detects the encoding, the delimiter and the header row, proposes the
 * mapping from the header names; the admin maps the one column it did not recognise, checks the
 * preview and starts the import, and lands on the queued run.
 *
 * Two tours share these steps:
 * - customer_sync_upload_queued_tour stops at the queued run (TestCustomerSyncUploadUi, no worker);
 * - customer_sync_upload_tour then watches the run until the worker has finished it: the run form
 *   refreshes itself while the run is queued or running (tests/odoo/test_sync_upload_tour.py, with a
 *   live Odoo and a real Celery worker).
 * Both expect the purchased-list source "Tour Leads East China" with no saved mapping.
 */
const SOURCE = "Tour Leads East China";
const FILE_NAME = "customer_sync_tour_leads.csv";
const FILE_URL = `/addon_customer_info/static/tests/data/${FILE_NAME}`;
const WIZARD = ".modal:has(.o_field_widget[name='line_ids'])";
const LINES = `${WIZARD} .o_field_widget[name='line_ids']`;

function uploadSteps() {
    return [
        ...stepUtils.goToAppSteps("addon_customer_info.menu_customer_info_root", "Open Customer Information"),
        {
            content: "Open the Sync menu",
            trigger: "button[data-menu-xmlid='addon_customer_info.menu_customer_info_sync']",
            run: "click",
        },
        {
            content: "Open the sources",
            trigger: "a[data-menu-xmlid='addon_customer_info.menu_customer_sync_source']",
            run: "click",
        },
        {
            content: "Open the source",
            trigger: `.o_data_row .o_data_cell:contains('${SOURCE}')`,
            run: "click",
        },
        {
            content: "Upload a file to it",
            trigger: ".o_form_view button[name='action_open_upload']",
            run: "click",
        },
        {
            content: "Choose the file",
            trigger: ".modal .o_field_widget[name='file'] .o_select_file_button",
            async run() {
                const response = await fetch(FILE_URL);
                if (!response.ok) {
                    throw new Error(`${FILE_URL}: HTTP ${response.status}`);
                }
                const file = new File([await response.blob()], FILE_NAME, { type: "text/csv" });
                await inputFiles(".modal .o_field_widget[name='file'] input.o_input_file", [file]);
            },
        },
        {
            content: "The file is chosen",
            trigger: `.modal .o_field_widget[name='file'] input:value('${FILE_NAME}')`,
        },
        {
            content: "Read the file",
            trigger: ".modal button[name='action_analyse']",
            run: "click",
        },
        {
            content: "The encoding, the delimiter and the header row below the title are detected",
            trigger: `${WIZARD} .o_field_widget[name='detected']:contains('gb18030'):contains('comma'):contains('row 2')`,
        },
        {
            content: "The source stays the one the file was read for",
            trigger: `${WIZARD} .o_field_widget.o_readonly_modifier[name='source_id']:contains('${SOURCE}')`,
        },
        {
            content: "The company name column is proposed as the name",
            trigger: `${LINES} .o_data_row:has(td[name='header']:text('公司名称')):has(td[name='field']:text('Name'))`,
        },
        {
            content: "The credit code column is proposed as the USCC",
            trigger: `${LINES} .o_data_row:has(td[name='header']:text('统一社会信用代码')):has(td[name='field']:text('Unified Social Credit Code'))`,
        },
        {
            content: "One column is not recognised",
            trigger: `${WIZARD} .o_field_widget[name='unmapped']:contains('对接说明')`,
        },
        {
            content: "Edit that column's field",
            trigger: `${LINES} .o_data_row:has(td[name='header']:text('对接说明')) td[name='field']`,
            run: "click",
        },
        {
            content: "Open the fields",
            trigger: `${LINES} .o_selected_row td[name='field'] input`,
            run: "click",
        },
        {
            content: "Map it to the notes",
            trigger: ".o_select_menu_menu .o_select_menu_item:contains('Notes')",
            run: "click",
        },
        {
            content: "The preview shows the notes column with the first rows under their fields",
            trigger: `${WIZARD} .o_field_widget[name='preview'] table:has(th:contains('Notes')):has(td:text('展会名片')):has(td:text('杭州青禾物流有限公司'))`,
        },
        {
            content: "Start the import",
            trigger: `${WIZARD} button[name='action_start']`,
            run: "click",
        },
        {
            content: "The run of the source is shown",
            trigger: `.o_form_view:not(:has(.modal)) .o_field_widget[name='source_id']:contains('${SOURCE}')`,
        },
        {
            content: "Started by the button",
            trigger: ".o_form_view .o_field_widget[name='trigger']:contains('Button')",
        },
    ];
}

registry.category("web_tour.tours").add("customer_sync_upload_queued_tour", {
    url: "/odoo",
    steps: () => [
        ...uploadSteps(),
        {
            content: "The run waits for the worker",
            trigger: ".o_statusbar_status button.o_arrow_button_current[data-value='queued']",
        },
    ],
});

registry.category("web_tour.tours").add("customer_sync_upload_tour", {
    url: "/odoo",
    steps: () => [
        ...uploadSteps(),
        {
            content: "A worker claims the run, and the form shows it without a reload",
            trigger: ".o_statusbar_status button.o_arrow_button_current:not([data-value='queued'])",
            timeout: 60000,
        },
        {
            content: "The worker finishes the run",
            trigger: ".o_statusbar_status button.o_arrow_button_current[data-value='done']",
            timeout: 60000,
        },
        {
            content: "Two companies created",
            trigger: ".o_form_view .o_field_widget[name='created_count'] span:text('2')",
        },
        {
            content: "One linked to the partner that existed",
            trigger: ".o_form_view .o_field_widget[name='linked_count'] span:text('1')",
        },
        {
            content: "One rejected",
            trigger: ".o_form_view .o_field_widget[name='rejected_count'] span:text('1')",
        },
        {
            content: "The rejected rows can be looked at",
            trigger: ".o_notebook_headers a[name='rejects']",
            run: "click",
        },
        {
            content: "The rejected row is the one with the wrong credit code",
            trigger: ".o_field_widget[name='reject_ids'] .o_data_row:contains('913302123177891586')",
        },
    ],
});
