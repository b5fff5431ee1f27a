"""What the sync worker says, in the reader's language.

The worker stays free of Odoo and of translations: it sends English text with a stable code
(contract v1: a rejected row's ``code`` with its ``field`` and ``value``; a run's
``message_code`` and ``message_params`` next to its ``message``). The addon stores both and
shows, to each reader, the catalogue's text for the code in the reader's language when the
catalogue has one in that language, else the worker's own text. An English reader therefore
reads the worker's sentence (it names the exact limit, line or byte), a Chinese reader the
translation, and a code the catalogue does not know (a newer worker) falls back to the stored
text: nothing is ever hidden, and the stored text stays available as the details.

Not a model: module-level lazy terms (``LazyTranslate``), which Odoo's exporter extracts as
code terms of this module, and two functions that render them in an environment's language.
"""

import json

from odoo.tools.translate import LazyTranslate

_lt = LazyTranslate(__name__)

MAX_PARAM = 300
"""Characters kept of each value of a message's parameters."""

#: observation keys (and the partner) as a reason names them
FIELD_LABELS = {
    "name": _lt("Name"),
    "company": _lt("Company"),
    "email": _lt("Email"),
    "phone": _lt("Phone"),
    "mobile": _lt("Mobile"),
    "uscc": _lt("USCC"),
    "vat": _lt("VAT"),
    "lei": _lt("LEI"),
    "country": _lt("Country"),
    "partner_id": _lt("Contact"),
}

#: why a row was rejected, by reason code; ``%(field)s`` is the field (or column) the reason is
#: about, ``%(value)s`` the refused value. ``<prefix>.*`` covers the codes of one family that the
#: worker builds from a library's error (``vat.format``, ``lei.checksum``, ...).
ROW_REASONS = {
    # identifiers (sync_worker/normalize/identifiers.py)
    "uscc.empty": _lt("No Unified Social Credit Code given."),
    "uscc.length": _lt("The Unified Social Credit Code %(value)s does not have 18 characters."),
    "uscc.characters": _lt(
        "The Unified Social Credit Code %(value)s holds characters that cannot occur in one "
        "(digits and capital letters without I, O, Z, S, V)."
    ),
    "uscc.authority": _lt(
        "The first character of the Unified Social Credit Code %(value)s is not a registration "
        "authority code (1-9, A, N, Y)."
    ),
    "uscc.category": _lt(
        "The second character of the Unified Social Credit Code %(value)s is not an organisation "
        "category of its registration authority."
    ),
    "uscc.division": _lt(
        "Characters 3-8 of the Unified Social Credit Code %(value)s are not the six digits of an "
        "administrative division code."
    ),
    "uscc.checksum": _lt(
        "The check character (the last) of the Unified Social Credit Code %(value)s does not match: "
        "a character is mistyped."
    ),
    "vat.empty": _lt("No VAT number given."),
    "vat.checksum": _lt(
        "The check digits of the VAT number %(value)s do not match: a character is mistyped."
    ),
    "vat.length": _lt("The VAT number %(value)s does not have the length of its country's numbers."),
    "vat.*": _lt(
        "%(value)s is not a valid VAT number: expected a country prefix and the national number, "
        "e.g. DE136695976."
    ),
    "lei.empty": _lt("No LEI given."),
    "lei.length": _lt("The LEI %(value)s does not have 20 characters."),
    "lei.checksum": _lt("The check digits of the LEI %(value)s do not match: a character is mistyped."),
    "lei.*": _lt("%(value)s is not a valid LEI: expected 20 characters with two check digits."),
    # contact details, names, places (sync_worker/normalize/)
    "email.empty": _lt("No e-mail address given."),
    "email.invalid": _lt("%(value)s is not a valid e-mail address."),
    "phone.empty": _lt("No phone number given."),
    "phone.unparseable": _lt(
        "%(field)s: %(value)s is not a phone number; give digits with an optional +country code."
    ),
    "phone.invalid": _lt(
        "%(field)s: %(value)s is not a valid number for its country (wrong length or prefix); a "
        "number without +country code is read in the source's default region."
    ),
    "person.empty": _lt("The person's name is empty or only a title."),
    "name.empty": _lt("%(field)s: the company name is empty or only punctuation."),
    "country.empty": _lt("No country given."),
    "country.unknown": _lt(
        "%(value)s is not a country name or ISO code we know; use the two-letter ISO code (CN, DE, US)."
    ),
    # the file reader (sync_worker/sources/)
    "field.too_long": _lt(
        "The value in column %(field)s is longer than the worker's limit (max_field_chars): shorten "
        "it or move long text out of the list."
    ),
    "encoding.invalid": _lt(
        "The line of this row is not valid in the encoding detected for the file, so the row was not "
        "read: correct that line, or save the file as CSV UTF-8 and upload it again."
    ),
    "csv.malformed": _lt(
        "The row is not valid CSV: a quoted value must be followed by the delimiter or the end of the "
        "line. Fix the quotes of that row."
    ),
    "csv.unclosed_quote": _lt(
        "A quoted value opened on this row is never closed, so the rest of the file cannot be read as "
        "rows. Close the quote and upload the file again."
    ),
    "row.extra_cells": _lt(
        "The row has more cells than the header has columns; a delimiter inside an unquoted value or "
        "a stray quote usually causes this. Fix the row or name the column in the header."
    ),
    "file.row": _lt("The file reader could not read this row (see the details)."),
    # the pipeline (sync_worker/pipeline.py)
    "row.no_name": _lt("The row matches no existing contact and has no name to create one with."),
    # Odoo's own rules (customer.sync.run.batch)
    "row.malformed": _lt("The row has no kind, external key or values the contract expects."),
    "subject.erased": _lt("The person of this record asked to be forgotten: it is not imported again."),
    "partner.unavailable": _lt("The contact %(value)s to link to does not exist any more or is archived."),
    "partner.not_allowed": _lt(
        "The contact %(value)s to link to belongs to a company the sync user does not work for."
    ),
}

#: a run's message by ``message_code``, with the ``message_params`` the worker sends; the English
#: text is the worker's own sentence (sync_worker/pipeline.py, sync_worker/tasks.py)
RUN_MESSAGES = {
    "run.cancelled": _lt(
        "Cancelled on request: the worker stopped after batch %(batches_done)s of %(batches_total)s. "
        "%(rows_done)s of %(rows_total)s rows were applied (the file up to row %(last_row)s); nothing "
        "after them was written."
    ),
    "run.cancelled_in_pairs": _lt(
        "Cancelled on request: the worker stopped after batch %(batches_done)s of %(batches_total)s. "
        "%(rows_done)s of %(rows_total)s rows were applied; nothing after them was written."
    ),
    "run.cancelled_reading": _lt(
        "Cancelled on request while reading the file, after %(rows_read)s rows: nothing was applied."
    ),
    "run.cancelled_reading_resumed": _lt(
        "Cancelled on request while reading the file, after %(rows_read)s rows: nothing more was "
        "applied; the %(rows_done)s rows of batches 1-%(batches_done)s applied by an earlier attempt stay."
    ),
    "run.resumed": _lt(
        "Resumed from its checkpoint: batches 1-%(batches_done)s (%(rows_done)s rows), applied by an "
        "earlier attempt, were not sent again."
    ),
    "run.dry_run": _lt("Dry run: nothing was applied."),
    "run.gave_up": _lt(
        "Gave up after %(failures)s failed attempts in a row %(where)s; %(applied)s. Last error: "
        "%(error)s. Retry runs the file again: the rows already applied come back as unchanged."
    ),
    "run.error": _lt("The worker stopped the run: %(error)s"),
    # whole files refused by the reader (sync_worker/sources/, FileRejected)
    "file.no_name_column": _lt(
        "No column of the file is mapped to the name or an identifier: map the columns on the source "
        "(columns: %(columns)s)."
    ),
    "file.unreadable": _lt("The file cannot be opened."),
    "file.empty": _lt("The file is empty. Upload a CSV or XLSX file with a header row."),
    "file.too_large": _lt(
        "The file is larger than the worker's limit (max_bytes). Split it into smaller files, or raise "
        "the limit."
    ),
    "file.too_many_rows": _lt(
        "The file has more data rows than the worker's limit (max_rows). Split the file, or raise the limit."
    ),
    "file.too_many_columns": _lt(
        "The header has more columns than the worker's limit (max_columns). Remove the columns that are "
        "not needed, or raise the limit."
    ),
    "file.format_unsupported": _lt(
        "The file is neither a CSV file nor an Excel workbook (.xlsx): old .xls and password-protected "
        "workbooks are not read. Save it as .xlsx (without a password) or as CSV UTF-8 and upload that."
    ),
    "file.no_header": _lt("The file has no header row. Put the column names in the first row and try again."),
    "file.header_row": _lt(
        "No row starts at the header row given: the file is shorter, or that line is inside a quoted "
        "field. Give the row the column names are on."
    ),
    "file.header_invalid": _lt("The header row cannot be read."),
    "file.encoding_unknown": _lt(
        "The encoding of the file cannot be recognised, or the encoding given is not a known one. Save "
        "it as CSV UTF-8, or give its encoding (such as utf-8, gb18030 or utf-16)."
    ),
    "file.encoding_invalid": _lt(
        "The file is not valid in its encoding and cannot be read line by line, so the whole file is "
        "refused. Save it again (as CSV UTF-8 preferably) and upload it again."
    ),
    "file.delimiter": _lt(
        "The delimiter given is not a single character other than a quote or a line break."
    ),
    "file.line_too_long": _lt(
        "A line of the file is longer than the worker's limit without a line break: the file is not a "
        "CSV list, or a quote is not closed. Check the file."
    ),
    "file.field_too_large": _lt(
        "A value of the file runs over the worker's limit: a quote is probably not closed. Fix the "
        "quotes and upload the file again."
    ),
    "file.sheet_missing": _lt("The workbook has no sheet of the name given."),
    "file.xlsx_invalid": _lt(
        "The workbook cannot be read (damaged, encrypted or without a worksheet). Open it in a "
        "spreadsheet program, save it again as .xlsx or CSV, and upload that."
    ),
    "file.xlsx_too_large": _lt(
        "The workbook holds more than the worker's limits once uncompressed. Save the sheet as CSV, "
        "or split it."
    ),
    "file.xlsx_ratio": _lt(
        "A part of the workbook expands more than the worker's limit (max_xlsx_ratio): it looks like a "
        "zip bomb. Save the sheet as CSV and upload that."
    ),
    "file.xlsx_unsafe_parser": _lt(
        "XLSX files are not read because the worker lacks a safe XML parser (defusedxml). Upload the "
        "list as CSV meanwhile."
    ),
}

#: parts of the dead-letter message (``run.gave_up``): where the run stopped, what is applied
_GAVE_UP_AT_ROWS = _lt("at batch %(batch)s (rows %(first_row)s-%(last_row)s of the file)")
_GAVE_UP_AT_PAIRS = _lt("at batch %(batch)s (the in-file pairs)")
_GAVE_UP_AFTER = _lt("after batch %(batches_done)s")
_GAVE_UP_BEFORE = _lt("before the first batch")
_GAVE_UP_APPLIED = _lt("batches 1-%(batches_done)s (%(rows_done)s rows) are applied and stay applied")
_GAVE_UP_NOTHING = _lt("nothing was applied")


def _lookup(catalogue, code):
    if not isinstance(code, str) or not code:
        return None
    return catalogue.get(code) or catalogue.get(f"{code.split('.', 1)[0]}.*")


def _translated(env, term):
    """``term`` in ``env``'s language, or None when that language has no translation of it
    (English readers then read the worker's own, more precise, sentence)."""
    text = env._(term)
    return None if text == term._translate("en_US") else text


def _format(text, params):
    """``text % params``, or None when the parameters do not fit the text."""
    try:
        return text % params
    except (KeyError, TypeError, ValueError):
        return None


def clean_params(params):
    """A message's parameters as stored: a flat object of short texts and numbers."""
    out = {}
    for key, value in (params or {}).items():
        if value is None or isinstance(value, bool | int | float):
            out[str(key)[:64]] = value
        else:
            text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
            out[str(key)[:64]] = text[:MAX_PARAM]
    return out


def row_reason(env, code, field=None, value=None):
    """The reason of a rejected row in ``env``'s language, or None (then show the stored text)."""
    term = _lookup(ROW_REASONS, code)
    text = term and _translated(env, term)
    if not text:
        return None
    params = {}
    if field:
        label = FIELD_LABELS.get(field)
        params["field"] = env._(label) if label else field
    if value:
        params["value"] = value
    return _format(text, params)


def run_message(env, code, params=None):
    """A run's message in ``env``'s language, or None (then show the stored text)."""
    term = RUN_MESSAGES.get(code) if isinstance(code, str) else None
    text = term and _translated(env, term)
    if not text:
        return None
    params = dict(params or {})
    try:
        if code == "run.gave_up":
            params.update(_gave_up_parts(env, params))
    except (KeyError, TypeError, ValueError):
        return None
    return _format(text, params)


def _gave_up_parts(env, params):
    """Where a run that gave up stopped, and what is applied (``run.gave_up``)."""
    if params.get("batch"):
        where = _GAVE_UP_AT_ROWS if params.get("first_row") is not None else _GAVE_UP_AT_PAIRS
    elif params.get("batches_done"):
        where = _GAVE_UP_AFTER
    else:
        where = _GAVE_UP_BEFORE
    applied = _GAVE_UP_APPLIED if params.get("batches_done") else _GAVE_UP_NOTHING
    # the lazy terms carry no arguments (env._ refuses both): the values are put in afterwards
    where_text, applied_text = env._(where), env._(applied)
    return {"where": where_text % params, "applied": applied_text % params}
