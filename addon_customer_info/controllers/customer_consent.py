import logging
import re

from odoo import http
from odoo.http import request
from werkzeug.exceptions import NotFound

USER_AGENT_MAX = 512
TOKEN_IN_PATH = re.compile(r"(/customer-consent/(?:confirm|withdraw)/)[^\s\"?#/]+")
REDACTED = "[token]"
HEADERS = {"Referrer-Policy": "no-referrer", "Cache-Control": "no-store"}
"""The pages' URLs hold the token: no Referer carries it to the assets' (or anyone's) logs."""


class TokenRedactingFilter(logging.Filter):
    """Replaces the token in the consent links' paths of a log record by ``[token]``.

    Installed on the ``werkzeug`` logger, which logs every request line at INFO
    (``"GET /customer-consent/confirm/<token> HTTP/1.1" 200 -``): the line stays, the
    token goes.
    """

    def filter(self, record):
        message = record.getMessage()
        if "/customer-consent/" in message:
            record.msg, record.args = TOKEN_IN_PATH.sub(rf"\1{REDACTED}", message), ()
        return True


def _install_log_filter(logger_name="werkzeug"):
    logger = logging.getLogger(logger_name)
    if not any(isinstance(existing, TokenRedactingFilter) for existing in logger.filters):
        logger.addFilter(TokenRedactingFilter())


_install_log_filter()
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
            return request.render(
                "addon_customer_info.consent_link_invalid_page", values, status=410, headers=HEADERS
            )
        if request.httprequest.method == "POST":
            token_sudo._use(self._proof())
            values["done"] = True
        return request.render(PAGES[kind], values, headers=HEADERS)

    @staticmethod
    def _proof():
        """What the ledger keeps of the click: the IP address and the user agent (capped)."""
        httprequest = request.httprequest
        return {
            "ip": httprequest.remote_addr,
            "user_agent": (httprequest.user_agent.string or "")[:USER_AGENT_MAX],
        }
