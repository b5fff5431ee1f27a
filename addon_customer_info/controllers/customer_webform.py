import json
import logging
import time
from datetime import UTC, datetime

from odoo import http
from odoo.http import request

from ..tools import webhook_signature as signature  # noqa: TID252 (pylint-odoo wants relative imports)

_logger = logging.getLogger(__name__)

HARD_LIMIT = 1024 * 1024
"""No source takes more than this many bytes; Odoo refuses a larger body before parsing it."""
RATE_WINDOW = 60
"""Seconds over which a source's ``webform_rate_limit`` counts submissions."""


def _answer(status, payload, headers=None):
    return request.make_json_response(payload, headers=list((headers or {}).items()), status=status)


def _refuse(source_id, status, error, message, headers=None):
    # the reason, never the body, a signature or a secret
    _logger.info("web form %s: refused (%s %s): %s", source_id, status, error, message)
    return _answer(status, {"error": error, "message": message}, headers)


class CustomerWebformController(http.Controller):
    """The endpoint of a web-form source: signed submissions in, stored before the answer.

    The sender is anonymous; the signature (``tools/webhook_signature.py``), checked in
    constant time against each of the source's secrets, is what authenticates it. Answers:
    401 missing or wrong signature, 400 stale timestamp or a body that is not what the
    source expects, 411 without a Content-Length, 413 above the source's size limit (judged
    from Content-Length before the body is read), 415 not JSON, 429 flood,
    202 stored. Odoo commits the request's transaction before it sends the response
    (``odoo.service.model.retrying``), so a 202 means the submission is in the database;
    a redelivery with the same message id stores nothing and gets the same 202.
    """

    # csrf=False: the request comes from another system and carries a signature instead of a session;
    # save_session=False: no session cookie is made for it.
    @http.route(
        "/customer_info/webform/<int:source_id>",
        type="http",
        auth="public",
        methods=["POST"],
        csrf=False,
        save_session=False,
        max_content_length=HARD_LIMIT,
    )
    def receive(self, source_id, **_kwargs):
        # sudo: the caller is anonymous and authenticated only by the signature checked below; the
        # source is read to know its secrets and limits, and nothing of it is given back
        source = request.env["customer.sync.source"].sudo().browse(source_id).exists()
        if not source or not source.active or source.type != "web_form":
            return _refuse(source_id, 404, "unknown_source", "There is no web-form source at this address.")
        httprequest = request.httprequest
        limit = min(source.webform_max_bytes, HARD_LIMIT)
        length = httprequest.content_length
        if length is None:
            # without a length the body could only be judged by reading it
            return _refuse(source_id, 411, "length_required", "Send the submission with a Content-Length.")
        if length > limit:
            return _refuse(source_id, 413, "too_large", f"A submission has at most {limit} bytes.")
        if httprequest.mimetype != "application/json":
            return _refuse(source_id, 415, "unsupported_type", "Submissions are sent as application/json.")
        # werkzeug reads at most Content-Length bytes, which is within the limit
        body = httprequest.get_data(cache=False)
        secrets = signature.split_secrets(source.webform_secrets)
        if not secrets:
            return _refuse(source_id, 401, "no_secret", "The source has no signing secret configured yet.")
        headers = httprequest.headers
        sent_at = None
        try:
            if source.webform_scheme == signature.TYPEFORM:
                signature.verify_typeform(secrets, headers, body)
            else:
                signature.verify_standard(secrets, headers, body, time.time())
                sent_at = datetime.fromtimestamp(int(headers["webhook-timestamp"]), UTC).replace(tzinfo=None)
        except signature.SignatureError as error:
            return _refuse(source_id, 401, "bad_signature", str(error))
        except signature.StaleTimestamp as error:
            return _refuse(source_id, 400, "stale", str(error))
        try:
            payload = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return _refuse(source_id, 400, "malformed", "The body is not JSON in UTF-8.")
        if not isinstance(payload, dict):
            return _refuse(source_id, 400, "malformed", "The body is not a JSON object.")
        if source.webform_scheme == signature.TYPEFORM:
            message_id = payload.get("event_id")
            answers = payload.get("form_response")
            if not (isinstance(message_id, str) and message_id and isinstance(answers, dict)):
                return _refuse(
                    source_id, 400, "malformed", "A Typeform submission has an event_id and a form_response."
                )
        else:
            message_id = headers["webhook-id"].strip()
        if len(message_id) > 255:
            return _refuse(source_id, 400, "malformed", "The message id is longer than 255 characters.")
        # sudo: the anonymous sender stores its verified submission; it cannot read anything back
        Submission = request.env["customer.webform.submission"].sudo()
        submission = Submission.search(
            [("source_id", "=", source.id), ("message_id", "=", message_id)], limit=1
        )
        created = False
        if not submission:
            # a redelivery is answered whatever the flood; only new submissions count against it
            if Submission._received_since(source, RATE_WINDOW) >= source.webform_rate_limit:
                return _refuse(
                    source_id,
                    429,
                    "rate_limited",
                    f"More than {source.webform_rate_limit} submissions in a minute: retry later.",
                    {"Retry-After": str(RATE_WINDOW)},
                )
            submission, created = Submission._receive(
                source,
                message_id,
                body,
                source.webform_scheme,
                sent_at=sent_at,
                remote_addr=httprequest.remote_addr,
            )
        _logger.info(
            "web form %s: submission %s %s",
            source_id,
            submission.id,
            "stored" if created else "already stored",
        )
        status, answer = Submission._response_for(submission)
        return _answer(status, answer)
