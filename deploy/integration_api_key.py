# An `odoo shell` script (docker compose's `worker-key` service runs it once): prints a new
# API key of the integration user that addon_customer_info's install data creates, so that
# the worker and beat reach Odoo without a manual step. The key is shown once, here only; the
# calling service writes it to a private file on a volume that only the worker reads.
user = env["res.users"].search([("login", "=", "customer_sync_worker")], limit=1)  # noqa: F821
if not user:
    raise SystemExit("the integration user customer_sync_worker is missing: install addon_customer_info")
# sudo: Odoo 19 gives a non-admin no key without an expiry date; this runs as the operator in
# `odoo shell`, for the one user the addon created, so nobody else gains anything
apikeys = env["res.users.apikeys"].with_user(user).sudo()  # noqa: F821
key = apikeys._generate("rpc", "customer-sync worker (docker compose)", None)
env.cr.commit()  # noqa: F821  (a shell script's own transaction: nothing else commits it)
print("APIKEY=" + key)
