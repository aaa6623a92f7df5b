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


if __name__ == "__main__":
    unittest.main()
