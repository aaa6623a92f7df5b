"""unittest of the binding against the built library (GDPR_LIBRARY)."""
import io
import json
import os
import tempfile
import unittest

import gdpr

POLICY = os.path.join(os.path.dirname(__file__), "..", "..", "..", "examples", "policy.json")
KEY = bytes(range(32))


class BindingTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.eng = gdpr.Engine(os.path.join(self.dir.name, "t.db"), KEY)
        self.eng.load_policy(os.environ.get("GDPR_POLICY", POLICY))

    def tearDown(self):
        self.eng.close()
        self.dir.cleanup()

    def test_context_manager_and_clock(self):
        with gdpr.Engine(os.path.join(self.dir.name, "c.db"), KEY) as e:
            self.assertGreater(e.now(), 1700000000)
        self.assertTrue(gdpr.version())

    def test_errors_carry_code_and_message(self):
        with self.assertRaises(gdpr.GdprError) as cm:
            self.eng.consent_check("CUST-1", "marketing", 0)
        self.assertEqual(cm.exception.code, -1)
        self.assertIn("use GDPR_NOW", cm.exception.message)
        with self.assertRaises(gdpr.GdprError) as cm:
            gdpr.Engine(os.path.join(self.dir.name, "t.db"), bytes(32))
        self.assertEqual(cm.exception.code, -5)  # GDPR_EKEY

    def test_consent_vault_export_erasure(self):
        self.eng.act_as("agent-anna", "dpo")
        self.eng.consent_grant("CUST-1", "marketing", "marketing-v2", "phone")
        self.assertTrue(self.eng.consent_check("CUST-1", "marketing"))
        ok, why = self.eng.may_process("CUST-1", "marketing")
        self.assertTrue(ok)
        self.assertIn("consent", why)
        rec = self.eng.vault_put("CUST-1", "contact", "service", b"Anna Berg, 1 Quay St")
        self.assertEqual(self.eng.vault_get(rec), b"Anna Berg, 1 Quay St")
        buf = io.BytesIO()
        self.eng.export("CUST-1", buf)
        doc = json.loads(buf.getvalue())
        self.assertIn("Anna Berg, 1 Quay St", buf.getvalue().decode())
        self.assertIsInstance(doc, dict)
        self.eng.consent_withdraw("CUST-1", "marketing", "web")
        self.assertFalse(self.eng.consent_check("CUST-1", "marketing"))
        rep = self.eng.erase_subject("CUST-1", "art17_request")
        self.assertGreaterEqual(rep["erased"], 1)
        with self.assertRaises(gdpr.GdprError):
            self.eng.vault_get(rec)

    def test_requests_transfers_retention_audit(self):
        rid = self.eng.request_open("CUST-2", gdpr.REQUEST_ACCESS, "email")
        self.assertGreater(rid, 0)
        allowed, reason = self.eng.transfer_check("CUST-2", "mailer-eu")
        self.assertTrue(allowed)
        self.assertTrue(reason)
        self.eng.act_as("cron", "system")
        self.assertEqual(self.eng.retention_run()["examined"], 0)
        self.assertGreater(self.eng.audit_verify(), 0)

    def test_export_write_failure_propagates(self):
        self.eng.vault_put("CUST-3", "contact", "service", b"x")

        class Broken(io.RawIOBase):
            def write(self, b):
                raise OSError("disk full")
        with self.assertRaises(OSError):
            self.eng.export("CUST-3", Broken())

    def test_request_life_cycle(self):
        self.eng.vault_put("CUST-4", "contact", "service", b"Cara Doyle")
        rid = self.eng.request_open("CUST-4", gdpr.REQUEST_ACCESS, "email")
        info = self.eng.request_get(rid)
        self.assertEqual(info["id"], rid)
        self.assertEqual(info["status"], gdpr.STATUS_RECEIVED)
        self.assertEqual(info["extended_months"], 0)
        self.assertEqual(info["close_days"], -1)
        self.eng.request_verify(rid)
        self.assertEqual(self.eng.request_get(rid)["verification"], gdpr.VERIFY_VERIFIED)
        first_due = self.eng.request_get(rid)["due"]
        self.eng.request_extend(rid, 1, "complex: records in three systems")
        info = self.eng.request_get(rid)
        self.assertEqual(info["extended_months"], 1)
        self.assertGreater(info["due"], first_due)
        buf = io.BytesIO()
        self.eng.request_fulfil_export(rid, buf)
        self.assertIn(b"Cara Doyle", buf.getvalue())
        self.assertEqual(self.eng.request_get(rid)["status"], gdpr.STATUS_FULFILLED)
        with self.assertRaises(gdpr.GdprError) as cm:  # final already
            self.eng.request_deny(rid, gdpr.DENIAL_OTHER, "late")
        self.assertEqual(cm.exception.code, -13)  # GDPR_ESTATE
        # deny, and fulfil without work
        rid2 = self.eng.request_open("CUST-4", gdpr.REQUEST_ACCESS, "phone")
        self.eng.request_deny(rid2, gdpr.DENIAL_IDENTITY_NOT_VERIFIED, "no reply")
        info = self.eng.request_get(rid2)
        self.assertEqual(info["status"], gdpr.STATUS_DENIED)
        self.assertEqual(info["denial"], gdpr.DENIAL_IDENTITY_NOT_VERIFIED)
        with self.assertRaises(gdpr.GdprError) as cm:
            self.eng.request_get(999999)
        self.assertEqual(cm.exception.code, -2)  # GDPR_ENOTFOUND
        with self.assertRaises(gdpr.GdprError) as cm:
            self.eng.request_extend(rid2, 3, "x")
        self.assertIn("months", cm.exception.message)

    def test_request_fulfil_erasure_and_plain_fulfil(self):
        self.eng.vault_put("CUST-5", "contact", "service", b"Dan")
        rid = self.eng.request_open("CUST-5", gdpr.REQUEST_ERASURE, "email")
        self.eng.request_verify(rid)
        rep = self.eng.request_fulfil_erasure(rid, "Art. 17(1)(a)")
        self.assertGreaterEqual(rep["erased"], 1)
        self.assertEqual(self.eng.request_get(rid)["status"], gdpr.STATUS_FULFILLED)
        rid2 = self.eng.request_open("CUST-6", gdpr.REQUEST_ACCESS, "email")
        self.eng.request_verify(rid2)
        self.eng.request_fulfil(rid2, "answered by post")
        self.assertEqual(self.eng.request_get(rid2)["status"], gdpr.STATUS_FULFILLED)

    def test_holds(self):
        rec = self.eng.vault_put("CUST-7", "contact", "service", b"Eve")
        hid = self.eng.hold_place("litigation 2027/14", self.eng.now() + 86400 * 30,
                                  subject="CUST-7")
        self.assertGreater(hid, 0)
        with self.assertRaises(gdpr.GdprError) as cm:
            self.eng.erase_subject("CUST-7", "art17_request")
        self.assertIn("hold", cm.exception.message)
        self.assertEqual(self.eng.vault_get(rec), b"Eve")
        self.eng.hold_release(hid, "settled")
        with self.assertRaises(gdpr.GdprError) as cm:
            self.eng.hold_release(hid)
        self.assertEqual(cm.exception.code, -13)  # released already
        self.assertGreaterEqual(self.eng.erase_subject("CUST-7", "art17_request")["erased"], 1)
        with self.assertRaises(gdpr.GdprError) as cm:
            self.eng.hold_place("", self.eng.now() + 60, subject="CUST-8")
        self.assertEqual(cm.exception.code, -1)

    def test_safeguards(self):
        before = self.eng.safeguards("support-in")
        sid = self.eng.safeguard_add("support-in", gdpr.TRANSFER_SCC,
                                     "SCC 2021/914 module 2, signed 2026-02-01", module=2)
        rows = self.eng.safeguards("support-in")
        self.assertEqual(len(rows), len(before) + 1)
        mine = [r for r in rows if r["id"] == sid][0]
        self.assertEqual(mine["module"], 2)
        self.assertEqual(mine["revoked_at"], 0)
        self.eng.safeguard_revoke(sid)
        mine = [r for r in self.eng.safeguards("support-in") if r["id"] == sid][0]
        self.assertGreater(mine["revoked_at"], 0)
        with self.assertRaises(gdpr.GdprError) as cm:
            self.eng.safeguard_add("nobody", gdpr.TRANSFER_SCC, "x", module=2)
        self.assertEqual(cm.exception.code, -1)

    def test_csv_export(self):
        self.eng.vault_put("CUST-9", "contact", "service", b"Finn, 2 Pier Rd")
        buf = io.BytesIO()
        self.eng.export("CUST-9", buf, gdpr.EXPORT_CSV)
        text = buf.getvalue().decode()
        self.assertIn('"Finn, 2 Pier Rd"', text)
        self.assertGreater(len(text.splitlines()), 1)
        with self.assertRaises(gdpr.GdprError) as cm:
            self.eng.export("CUST-9", io.BytesIO(), 7)
        self.assertEqual(cm.exception.code, -1)


if __name__ == "__main__":
    unittest.main()
