"""libgdpr for Python: ctypes over the installed C library (libgdpr.so.0).

The library is found through the GDPR_LIBRARY environment variable (a path
to libgdpr.so.0), else by the dynamic loader's search (ld.so.conf,
LD_LIBRARY_PATH). Standard library only; nothing is compiled at install.
SPDX-License-Identifier: MIT
"""
from __future__ import annotations

import ctypes as C
import ctypes.util
import os
from typing import IO, Optional

NOW = -1  #: GDPR_NOW: the engine's clock (0 is refused as a time)

EXPORT_JSON = 1
EXPORT_CSV = 2
REQUEST_ACCESS, REQUEST_PORTABILITY, REQUEST_ERASURE = 1, 2, 3
#: request status (gdpr_request_status)
STATUS_RECEIVED, STATUS_IN_PROGRESS, STATUS_FULFILLED, STATUS_DENIED = 1, 2, 3, 4
#: verification state and method (gdpr_request_verification, gdpr_request_method)
VERIFY_NONE, VERIFY_PENDING, VERIFY_VERIFIED, VERIFY_FAILED = 0, 1, 2, 3
METHOD_ACCOUNT_LOGIN, METHOD_KNOWN_CONTACT, METHOD_KNOWLEDGE, METHOD_DOCUMENT = 1, 2, 3, 4
#: denial reasons (gdpr_request_denial)
DENIAL_IDENTITY_NOT_VERIFIED, DENIAL_NO_MATCH, DENIAL_UNFOUNDED_OR_EXCESSIVE = 1, 2, 3
DENIAL_EXEMPT, DENIAL_OTHER = 4, 5
#: hold scopes (gdpr_hold_scope)
HOLD_SUBJECT, HOLD_RECORD, HOLD_CATEGORY = 1, 2, 3
#: Art. 46 safeguard types (gdpr_transfer_mechanism)
TRANSFER_SCC, TRANSFER_AUTHORITY_SCC, TRANSFER_BCR = 3, 4, 5
CONSENT_GRANTED, CONSENT_WITHDRAWN, CONSENT_REFUSED = 1, 2, 3


def _load() -> C.CDLL:
    path = os.environ.get("GDPR_LIBRARY") or ctypes.util.find_library("gdpr") or "libgdpr.so.0"
    return C.CDLL(path)


_lib = _load()
_i64 = C.c_int64
_p = C.c_void_p
_s = C.c_char_p


class _Options(C.Structure):
    _fields_ = [("version", C.c_uint), ("path", _s), ("key", C.POINTER(C.c_ubyte)),
                ("key_len", C.c_size_t), ("passphrase", _s), ("keystore_path", _s),
                ("clock", _p), ("clock_ctx", _p), ("busy_timeout_ms", C.c_int)]


class _Actor(C.Structure):
    _fields_ = [("id", _s), ("role", _s)]


class _Consent(C.Structure):
    _fields_ = [("version", C.c_uint), ("subject", _s), ("purpose", _s), ("notice", _s),
                ("channel", _s), ("state", C.c_int), ("expires", _i64), ("recipient", _s),
                ("proof", _s), ("flags", C.c_uint)]


class _Why(C.Structure):
    _fields_ = [("code", C.c_int), ("event", _i64), ("text", C.c_char * 256)]


class _EraseReport(C.Structure):
    _fields_ = [("erased", _i64), ("retained", _i64), ("sources_failed", C.c_int)]


class _Intake(C.Structure):
    _fields_ = [("version", C.c_uint), ("type", C.c_int), ("subject", _s), ("id_kind", _s),
                ("id_value", _s), ("received_at", _i64), ("channel", _s), ("note", _s),
                ("flags", C.c_uint), ("grace_seconds", _i64)]


class _RequestInfo(C.Structure):
    _fields_ = [("version", C.c_uint), ("id", _i64), ("type", C.c_int), ("status", C.c_int),
                ("subject_hash", C.c_char * 65), ("id_kind", C.c_char * 65),
                ("channel", C.c_char * 65), ("received", _i64), ("first_due", _i64),
                ("due", _i64), ("extended_months", C.c_int), ("subject_told_at", _i64),
                ("verification", C.c_int), ("verify_method", C.c_int), ("verified_at", _i64),
                ("flags", C.c_uint), ("escalated_to", C.c_char * 257), ("escalations", C.c_int),
                ("denial", C.c_int), ("grace_until", _i64), ("closed", _i64),
                ("close_days", C.c_int)]


class _Hold(C.Structure):
    _fields_ = [("version", C.c_uint), ("scope", C.c_int), ("subject", _s), ("record", _i64),
                ("category", _s), ("reason", _s), ("until", _i64)]


class _Safeguard(C.Structure):
    _fields_ = [("version", C.c_uint), ("recipient", _s), ("type", C.c_int), ("module", C.c_int),
                ("reference", _s), ("valid_from", _i64), ("valid_until", _i64)]


class _SafeguardInfo(C.Structure):
    _fields_ = [("id", _i64), ("recipient", _s), ("type", C.c_int), ("module", C.c_int),
                ("reference", _s), ("valid_from", _i64), ("valid_until", _i64),
                ("revoked_at", _i64)]


class _Decision(C.Structure):
    _fields_ = [("allowed", C.c_int), ("mechanism", C.c_int), ("reason", C.c_char * 256)]


class _RetentionReport(C.Structure):
    _fields_ = [("examined", _i64), ("erased", _i64), ("anonymised", _i64),
                ("reviews_opened", _i64), ("held", _i64)]


_WRITE_FN = C.CFUNCTYPE(C.c_int, _p, C.c_size_t, _p)
_SAFEGUARD_FN = C.CFUNCTYPE(C.c_int, C.POINTER(_SafeguardInfo), _p)

_lib.gdpr_errmsg.restype = _s
_lib.gdpr_strerror.restype = _s
_lib.gdpr_strerror.argtypes = [C.c_int]
_lib.gdpr_version.restype = _s
_lib.gdpr_free.argtypes = [_p]
_lib.gdpr_close.argtypes = [_p]


class GdprError(Exception):
    """A call returned a negative code: `code` (e.g. -1), `name`
    ("GDPR_EINVAL: invalid argument") and `message` (gdpr_errmsg())."""

    def __init__(self, code: int, message: str) -> None:
        self.code = code
        self.name = _lib.gdpr_strerror(code).decode()
        self.message = message
        super().__init__("%s (%s)" % (self.name, message))


def _check(rc: int) -> None:
    if rc != 0:
        raise GdprError(rc, _lib.gdpr_errmsg().decode("utf-8", "replace"))


def _b(s: Optional[str]) -> Optional[bytes]:
    return None if s is None else s.encode("utf-8")


def version() -> str:
    return _lib.gdpr_version().decode()


class Engine:
    """One store. Use as a context manager: `with Engine(path, key) as eng:`.
    `actor` and `role` name who acts on mutating calls (audited)."""

    def __init__(self, path: str, key: Optional[bytes] = None, *, passphrase: Optional[str] = None,
                 actor: str = "python", role: str = "dpo") -> None:
        opts = _Options()
        opts.version = 1
        opts.path = _b(path)
        if key is not None:
            buf = (C.c_ubyte * len(key)).from_buffer_copy(key)
            opts.key = C.cast(buf, C.POINTER(C.c_ubyte))
            opts.key_len = len(key)
        opts.passphrase = _b(passphrase)
        self._eng = _p()
        _check(_lib.gdpr_open(C.byref(self._eng), C.byref(opts)))
        self.act_as(actor, role)

    def act_as(self, actor: str, role: str) -> None:
        self._who = _Actor(_b(actor), _b(role))

    def close(self) -> None:
        if self._eng:
            _lib.gdpr_close(self._eng)
            self._eng = _p()

    def __enter__(self) -> "Engine":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- core -----------------------------------------------------------
    def now(self) -> int:
        out = _i64()
        _check(_lib.gdpr_now(self._eng, C.byref(out)))
        return out.value

    def load_policy(self, path: str) -> None:
        _check(_lib.gdpr_policy_load(self._eng, C.byref(self._who), _b(path)))

    # --- consent --------------------------------------------------------
    def consent_grant(self, subject: str, purpose: str, notice: str, channel: str, *,
                      proof: Optional[str] = None, explicit: bool = False) -> int:
        c = _Consent(1, _b(subject), _b(purpose), _b(notice), _b(channel), CONSENT_GRANTED, 0,
                     None, _b(proof), 1 if explicit else 0)
        ev = _i64()
        _check(_lib.gdpr_consent_record(self._eng, C.byref(self._who), C.byref(c), C.byref(ev)))
        return ev.value

    def consent_withdraw(self, subject: str, purpose: str, channel: str) -> int:
        ev = _i64()
        _check(_lib.gdpr_consent_withdraw(self._eng, C.byref(self._who), _b(subject), _b(purpose),
                                          None, _b(channel), C.byref(ev)))
        return ev.value

    def consent_check(self, subject: str, purpose: str, at: int = NOW) -> bool:
        out = C.c_int()
        _check(_lib.gdpr_consent_check(self._eng, _b(subject), _b(purpose), _i64(at),
                                       C.byref(out)))
        return bool(out.value)

    def may_process(self, subject: str, purpose: str, at: int = NOW) -> "tuple[bool, str]":
        out, why = C.c_int(), _Why()
        _check(_lib.gdpr_may_process(self._eng, _b(subject), _b(purpose), _i64(at), C.byref(out),
                                     C.byref(why)))
        return bool(out.value), why.text.decode("utf-8", "replace")

    # --- vault ----------------------------------------------------------
    def vault_put(self, subject: str, category: str, purpose: str, value: bytes) -> int:
        rec = _i64()
        _check(_lib.gdpr_vault_put(self._eng, C.byref(self._who), _b(subject), _b(category),
                                   _b(purpose), value, C.c_size_t(len(value)), C.byref(rec)))
        return rec.value

    def vault_get(self, record: int) -> bytes:
        val, n = _p(), C.c_size_t()
        _check(_lib.gdpr_vault_get(self._eng, C.byref(self._who), _i64(record), C.byref(val),
                                   C.byref(n)))
        try:
            return C.string_at(val, n.value)
        finally:
            _lib.gdpr_free(val)

    # --- export ---------------------------------------------------------
    @staticmethod
    def _streamed(out: IO[bytes], call) -> None:
        failure: list = []

        def write(buf: int, n: int, _ctx: int) -> int:
            try:
                out.write(C.string_at(buf, n))
                return 0
            except Exception as e:  # reported after the call
                failure.append(e)
                return 1

        rc = call(_WRITE_FN(write))
        if failure:
            raise failure[0]
        _check(rc)

    def export(self, subject: str, out: IO[bytes], fmt: int = EXPORT_JSON) -> None:
        """Stream the subject's access export (EXPORT_JSON or EXPORT_CSV)
        into a binary file object."""
        self._streamed(out, lambda cb: _lib.gdpr_export_subject(
            self._eng, C.byref(self._who), _b(subject), C.c_int(fmt), cb, None))

    # --- erasure --------------------------------------------------------
    def erase_subject(self, subject: str, ground: str) -> "dict[str, int]":
        r = _EraseReport()
        _check(_lib.gdpr_erase_subject(self._eng, C.byref(self._who), _b(subject), _b(ground),
                                       C.byref(r)))
        return {"erased": r.erased, "retained": r.retained, "sources_failed": r.sources_failed}

    # --- requests -------------------------------------------------------
    def request_open(self, subject: str, type: int, channel: str, received_at: int = NOW) -> int:
        i = _Intake(1, type, _b(subject), None, None, received_at, _b(channel), None, 0, 0)
        rid = _i64()
        _check(_lib.gdpr_request_open(self._eng, C.byref(self._who), C.byref(i), C.byref(rid)))
        return rid.value

    def request_verify(self, request: int, state: int = VERIFY_VERIFIED,
                       method: int = METHOD_KNOWN_CONTACT, note: Optional[str] = None) -> None:
        _check(_lib.gdpr_request_verify(self._eng, C.byref(self._who), _i64(request),
                                        C.c_int(state), C.c_int(method), _b(note)))

    def request_extend(self, request: int, months: int, reason: str,
                       subject_told_at: int = NOW) -> None:
        """Art. 12(3): extend by 1 or 2 months; the subject told at `subject_told_at`."""
        _check(_lib.gdpr_request_extend(self._eng, C.byref(self._who), _i64(request),
                                        C.c_int(months), _b(reason), _i64(subject_told_at)))

    def request_deny(self, request: int, reason: int, note: Optional[str] = None) -> None:
        _check(_lib.gdpr_request_deny(self._eng, C.byref(self._who), _i64(request),
                                      C.c_int(reason), _b(note)))

    def request_fulfil(self, request: int, note: Optional[str] = None) -> None:
        _check(_lib.gdpr_request_fulfil(self._eng, C.byref(self._who), _i64(request), _b(note)))

    def request_fulfil_export(self, request: int, out: IO[bytes], fmt: int = EXPORT_JSON) -> None:
        """Fulfil an access or portability request: the export streams into `out`."""
        self._streamed(out, lambda cb: _lib.gdpr_request_fulfil_export(
            self._eng, C.byref(self._who), _i64(request), C.c_int(fmt), cb, None))

    def request_fulfil_erasure(self, request: int, ground: str) -> "dict[str, int]":
        erased, retained = _i64(), _i64()
        _check(_lib.gdpr_request_fulfil_erasure(self._eng, C.byref(self._who), _i64(request),
                                                _b(ground), C.byref(erased), C.byref(retained)))
        return {"erased": erased.value, "retained": retained.value}

    def request_get(self, request: int) -> "dict[str, object]":
        """The request's state (no personal data) as a dict of gdpr_request_info's fields."""
        info = _RequestInfo()
        info.version = 1
        _check(_lib.gdpr_request_get(self._eng, _i64(request), C.byref(info)))
        return {k: (getattr(info, k).decode() if isinstance(getattr(info, k), bytes)
                    else getattr(info, k)) for k, _ in _RequestInfo._fields_ if k != "version"}

    # --- legal holds ----------------------------------------------------
    def hold_place(self, reason: str, until: int, *, subject: Optional[str] = None,
                   record: int = 0, category: Optional[str] = None,
                   scope: Optional[int] = None) -> int:
        """Place a hold (Art. 17(3)(e)); the scope follows from the arguments
        unless given: record -> HOLD_RECORD, category -> HOLD_CATEGORY, else HOLD_SUBJECT."""
        if scope is None:
            scope = HOLD_RECORD if record else HOLD_CATEGORY if category else HOLD_SUBJECT
        h = _Hold(1, scope, _b(subject), record, _b(category), _b(reason), until)
        hid = _i64()
        _check(_lib.gdpr_hold_place(self._eng, C.byref(self._who), C.byref(h), C.byref(hid)))
        return hid.value

    def hold_release(self, hold: int, reason: Optional[str] = None) -> None:
        _check(_lib.gdpr_hold_release(self._eng, C.byref(self._who), _i64(hold), _b(reason)))

    # --- transfers ------------------------------------------------------
    def safeguard_add(self, recipient: str, type: int, reference: str, *, module: int = 0,
                      valid_from: int = NOW, valid_until: int = 0) -> int:
        sg = _Safeguard(1, _b(recipient), type, module, _b(reference), valid_from, valid_until)
        sid = _i64()
        _check(_lib.gdpr_safeguard_add(self._eng, C.byref(self._who), C.byref(sg), C.byref(sid)))
        return sid.value

    def safeguard_revoke(self, safeguard: int) -> None:
        _check(_lib.gdpr_safeguard_revoke(self._eng, C.byref(self._who), _i64(safeguard)))

    def safeguards(self, recipient: Optional[str] = None) -> "list[dict[str, object]]":
        """The safeguards of `recipient` (None: all), the policy's first (id 0)."""
        rows: list = []

        def each(info, _ctx: int) -> int:
            i = info.contents
            rows.append({"id": i.id, "recipient": i.recipient.decode(), "type": i.type,
                         "module": i.module,
                         "reference": i.reference.decode() if i.reference else None,
                         "valid_from": i.valid_from, "valid_until": i.valid_until,
                         "revoked_at": i.revoked_at})
            return 0

        _check(_lib.gdpr_safeguard_foreach(self._eng, _b(recipient), _SAFEGUARD_FN(each), None))
        return rows


    def transfer_check(self, subject: str, recipient: str, at: int = NOW) -> "tuple[bool, str]":
        d = _Decision()
        _check(_lib.gdpr_transfer_check(self._eng, C.byref(self._who), _b(subject), _b(recipient),
                                        _i64(at), C.byref(d)))
        return bool(d.allowed), d.reason.decode("utf-8", "replace")

    # --- retention ------------------------------------------------------
    def retention_run(self, as_of: int = NOW) -> "dict[str, int]":
        r = _RetentionReport()
        _check(_lib.gdpr_retention_run(self._eng, C.byref(self._who), _i64(as_of), C.byref(r)))
        return {k: getattr(r, k) for k, _ in _RetentionReport._fields_}

    # --- audit ----------------------------------------------------------
    def audit_verify(self) -> int:
        n = _i64()
        _check(_lib.gdpr_audit_verify(self._eng, C.byref(n)))
        return n.value
