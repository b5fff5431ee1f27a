"""Helpers of the consent tests: the double opt-in mail as it goes out."""

import re
from unittest.mock import patch

from odoo.addons.base.models.ir_mail_server import IrMail_Server

LINK = re.compile(r"/customer-consent/(confirm|withdraw)/([A-Za-z0-9_-]+)")

__all__ = ["LINK", "IrMail_Server", "links_in", "send_and_capture", "sent_links"]


def links_in(body):
    """``{kind: raw_token}`` of the consent links in a mail body."""
    return {kind: token for kind, token in LINK.findall(str(body))}


def send_and_capture(mails, refuse=False):
    """Send the queued ``mails`` as the mail queue does and return the bodies that went out.

    Tests do not send mail (``_disable_send``): this lets ``mail.mail._send`` run and stops
    at the SMTP layer, which takes the message (or, with ``refuse``, fails as if down).
    """
    bodies = []
    build_email = IrMail_Server._build_email__

    def capture(server, email_from, email_to, subject, body, **kwargs):
        bodies.append(body)
        return build_email(server, email_from, email_to, subject, body, **kwargs)

    def smtp_send(server, message, **kwargs):
        if refuse:
            raise OSError("SMTP server down")
        return message["Message-Id"]

    with (
        patch.object(IrMail_Server, "_disable_send", return_value=False),
        patch.object(IrMail_Server, "_connect__", return_value=None),
        patch.object(IrMail_Server, "_build_email__", autospec=True, side_effect=capture),
        patch.object(IrMail_Server, "send_email", autospec=True, side_effect=smtp_send),
    ):
        mails.sudo().send()
    return bodies


def sent_links(mails):
    """``{kind: raw_token}`` of the consent links in the one mail ``mails`` sends."""
    bodies = send_and_capture(mails)
    assert len(bodies) == 1, bodies
    return links_in(bodies[0])
