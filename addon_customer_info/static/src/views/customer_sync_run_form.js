import { onMounted, onWillUnmount } from "@odoo/owl";
import { browser } from "@web/core/browser/browser";
import { registry } from "@web/core/registry";
import { FormController } from "@web/views/form/form_controller";
import { formView } from "@web/views/form/form_view";

/** Milliseconds between two reloads of a run that is queued or running. */
export const RUN_REFRESH_DELAY = 2000;
const ACTIVE_STATES = ["queued", "running"];

/**
 * The form of a sync run follows the worker: while the run is queued or running, it reloads the
 * record every two seconds (state, progress, counts, rejected rows), as long as the page is visible
 * and nothing is being edited. A finished run is left alone.
 */
export class CustomerSyncRunFormController extends FormController {
    setup() {
        super.setup();
        let timer = null;
        const refresh = async () => {
            const record = this.model.root;
            if (
                record.resId &&
                ACTIVE_STATES.includes(record.data.state) &&
                !record.dirty &&
                document.visibilityState === "visible"
            ) {
                try {
                    await record.load();
                } catch {
                    // offline or the run is gone: the next tick tries again, the user sees the last figures
                }
            }
            if (timer !== null) {
                timer = browser.setTimeout(refresh, RUN_REFRESH_DELAY);
            }
        };
        onMounted(() => {
            timer = browser.setTimeout(refresh, RUN_REFRESH_DELAY);
        });
        onWillUnmount(() => {
            browser.clearTimeout(timer);
            timer = null;
        });
    }
}

registry.category("views").add("customer_sync_run_form", {
    ...formView,
    Controller: CustomerSyncRunFormController,
});
