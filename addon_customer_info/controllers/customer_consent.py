from odoo import http
from odoo.http import request
from werkzeug.exceptions import NotFound

USER_AGENT_MAX = 512
PAGES = {
    "confirm": "addon_customer_info.consent_confirm_page",
    "withdraw": "addon_customer_info.consent_withdraw_page",
}


class CustomerConsentController(http.Controller):
    """Public pages of the consent links sent by email: confirm a pending grant, withdraw a consent.

    GET shows what the link will do and a button; only POST records it, so that mail
    scanners that open links do not confirm or withdraw anything. The link's token is the
    credential (single-use, expiring, stored only as a hash): an unknown token is a plain
    404, a used or expired one a 410 page. The rules live in ``customer.consent.token``.
    """

    # csrf=False: the POST carries the link's secret token, which a third-party site cannot know;
    # the anonymous visitor has no session a CSRF token could be bound to.
    @http.route(
        ["/customer-consent/confirm/<string:token>"],
        type="http",
        auth="public",
        methods=["GET", "POST"],
        csrf=False,
    )
    def consent_confirm(self, token, **_kwargs):
        return self._handle("confirm", token)

    @http.route(
        ["/customer-consent/withdraw/<string:token>"],
        type="http",
        auth="public",
        methods=["GET", "POST"],
        csrf=False,
    )
    def consent_withdraw(self, token, **_kwargs):
        return self._handle("withdraw", token)

    def _handle(self, kind, token):
        token_sudo, problem = request.env["customer.consent.token"]._find(token, kind)
        if problem == "unknown":
            raise NotFound()
        values = {"kind": kind, "token": token, "token_sudo": token_sudo, "problem": problem, "done": False}
        if problem:
            return request.render("addon_customer_info.consent_link_invalid_page", values, status=410)
        if request.httprequest.method == "POST":
            token_sudo._use(self._proof())
            values["done"] = True
        return request.render(PAGES[kind], values)

    @staticmethod
    def _proof():
        """What the ledger keeps of the click: the IP address and the user agent (capped)."""
        httprequest = request.httprequest
        return {
            "ip": httprequest.remote_addr,
            "user_agent": (httprequest.user_agent.string or "")[:USER_AGENT_MAX],
        }
