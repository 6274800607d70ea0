"""PAdES signatures of filing letters (issue 25 item 5, N-5.2).

Every letter's PDF is signed by the task worker after it is rendered and before it is hashed
and stored (``services.render_documents``): PAdES-B-B (pyHanko, CAdES detached signature,
``ETSI.CAdES.detached``) in an invisible field ``Signature1``, with the department's key and
certificate from settings (``EVALORG_SIGNING_KEY_FILE``, ``EVALORG_SIGNING_CERT_FILE``,
``EVALORG_SIGNING_KEY_PASSPHRASE``). The verify page checks an uploaded PDF against the
department's certificate authority (``EVALORG_SIGNING_CA_FILE``), the only trust root.

Production refuses to start without the three files (``settings.refuse_missing_signing``).
Elsewhere (development, the demo, tests) a test certificate authority and a signing
certificate are generated on first use under ``EVALORG_SIGNING_DEV_DIR``
(``make_test_ca``; ``manage.py make_test_signing_ca`` does the same on demand).
"""

from __future__ import annotations

import asyncio
import io
import logging
import os
import tempfile
import warnings
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, TypeVar

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.conf import settings

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # cryptography's DSA deprecation, raised by pyHanko's import
    from pyhanko.keys import load_cert_from_pemder
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign import fields, signers
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

T = TypeVar("T")
FIELD = "Signature1"
CA_FILE, CERT_FILE, KEY_FILE = "ca.pem", "signer.pem", "signer-key.pem"
# The test CA and its signer are valid over the whole period a test or the demo may travel to.
TEST_VALID_FROM = datetime(2000, 1, 1, tzinfo=UTC)
TEST_VALID_UNTIL = datetime(2099, 12, 31, tzinfo=UTC)


@dataclass(frozen=True)
class Credentials:
    key_file: Path
    cert_file: Path
    ca_file: Path
    passphrase: bytes | None


def credentials() -> Credentials:
    """The configured key, certificate and CA; outside production, when none is configured,
    the test CA under ``EVALORG_SIGNING_DEV_DIR`` (generated on first use)."""
    if settings.EVALORG_SIGNING_KEY_FILE and settings.EVALORG_SIGNING_CERT_FILE:
        passphrase = settings.EVALORG_SIGNING_KEY_PASSPHRASE
        return Credentials(
            Path(settings.EVALORG_SIGNING_KEY_FILE),
            Path(settings.EVALORG_SIGNING_CERT_FILE),
            Path(settings.EVALORG_SIGNING_CA_FILE or settings.EVALORG_SIGNING_CERT_FILE),
            passphrase.encode() if passphrase else None,
        )
    directory = Path(settings.EVALORG_SIGNING_DEV_DIR)
    if not (directory / CA_FILE).exists():
        make_test_ca(directory)
    return Credentials(directory / KEY_FILE, directory / CERT_FILE, directory / CA_FILE, None)


# ---- signing ----------------------------------------------------------------------------------


@lru_cache(maxsize=4)
def _signer(key_file: Path, cert_file: Path, ca_file: Path, passphrase: bytes | None):
    signer = signers.SimpleSigner.load(
        str(key_file), str(cert_file), ca_chain_files=(str(ca_file),), key_passphrase=passphrase
    )
    if signer is None:
        raise ValueError(f"cannot load the signing key {key_file} or certificate {cert_file}")
    return signer


def sign_pdf(pdf: bytes) -> bytes:
    """``pdf`` with a PAdES-B-B signature of the department appended (incremental update)."""
    found = credentials()
    signer = _signer(found.key_file, found.cert_file, found.ca_file, found.passphrase)
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        reason="广东省人力资源和社会保障厅备案函",
        location="广东省广州市",
    )
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    out = io.BytesIO()
    _outside_event_loop(signers.sign_pdf, writer, meta, signer=signer, output=out)
    return out.getvalue()


def _outside_event_loop(function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """pyHanko's synchronous calls run ``asyncio.run``, refused in a thread whose event loop
    is running (an ASGI server, a browser test's thread): there, run in a thread of its own."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return function(*args, **kwargs)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(function, *args, **kwargs).result()


# ---- the test certificate authority -----------------------------------------------------------


def _name(common: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "广东省人力资源和社会保障厅（测试）"),
            x509.NameAttribute(NameOID.COMMON_NAME, common),
        ]
    )


def _certificate(
    subject: x509.Name,
    issuer: x509.Name,
    public_key: ec.EllipticCurvePublicKey,
    signing_key: ec.EllipticCurvePrivateKey,
    *,
    ca: bool,
) -> x509.Certificate:
    usage = dict.fromkeys(
        (
            "digital_signature",
            "content_commitment",
            "key_encipherment",
            "data_encipherment",
            "key_agreement",
            "key_cert_sign",
            "crl_sign",
            "encipher_only",
            "decipher_only",
        ),
        False,
    )
    usage.update(
        {"key_cert_sign": True, "crl_sign": True}
        if ca
        else {"digital_signature": True, "content_commitment": True}
    )
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(TEST_VALID_FROM)
        .not_valid_after(TEST_VALID_UNTIL)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=0 if ca else None), critical=True)
        .add_extension(x509.KeyUsage(**usage), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
    )
    return builder.sign(signing_key, hashes.SHA256())


def test_ca_pem(common_name: str = "备案函测试根证书") -> tuple[bytes, bytes, bytes]:
    """A new test CA and a signing certificate it issued: (CA certificate, signer certificate,
    signer key), PEM."""
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = _name(common_name)
    ca_cert = _certificate(ca_name, ca_name, ca_key.public_key(), ca_key, ca=True)
    key = ec.generate_private_key(ec.SECP256R1())
    cert = _certificate(_name("备案函签章（测试）"), ca_name, key.public_key(), ca_key, ca=False)
    pem = serialization.Encoding.PEM
    key_pem = key.private_bytes(
        pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return ca_cert.public_bytes(pem), cert.public_bytes(pem), key_pem


def make_test_ca(directory: Path, common_name: str = "备案函测试根证书") -> bool:
    """Write a test CA and signer into ``directory`` unless it holds one already; the three
    files appear together (written in a folder beside it, then renamed), so two processes
    starting at once keep one CA. Returns whether this call wrote them."""
    directory = Path(directory)
    if (directory / CA_FILE).exists():
        return False
    directory.parent.mkdir(parents=True, exist_ok=True)
    ca_pem, cert_pem, key_pem = test_ca_pem(common_name)
    staging = Path(tempfile.mkdtemp(prefix=".signing-", dir=directory.parent))
    for name, content in ((CA_FILE, ca_pem), (CERT_FILE, cert_pem), (KEY_FILE, key_pem)):
        (staging / name).write_bytes(content)
    os.chmod(staging / KEY_FILE, 0o600)
    try:
        if directory.exists() and not any(directory.iterdir()):
            directory.rmdir()
        os.rename(staging, directory)
    except OSError:  # another process won the race (or the folder holds other files)
        for child in staging.iterdir():
            child.unlink()
        staging.rmdir()
        if not (directory / CA_FILE).exists():
            raise
        return False
    return True


# ---- checking an uploaded PDF -----------------------------------------------------------------


@dataclass(frozen=True)
class SignatureCheck:
    """What the signature of an uploaded PDF says (the last signature, the letter's own)."""

    readable: bool = True  # parsed as a PDF
    signed: bool = False  # carries a signature at all
    intact: bool = False  # the signed bytes are unchanged
    trusted: bool = False  # the signer's certificate chains to the department's CA
    whole_file: bool = False  # nothing was added to the file after signing
    signer: str = ""
    timed_out: bool = False

    @property
    def holds(self) -> bool:
        return self.signed and self.intact and self.trusted


def _ca_certificate(ca_file: Path):
    return load_cert_from_pemder(str(ca_file))


def validate(pdf: bytes, ca_file: Path) -> SignatureCheck:
    """Validate the PDF's last signature against ``ca_file`` as the only trust root; no
    network (no revocation fetching). Any parser failure is an unreadable file. Everything it
    uses is imported with the module, so a forked child imports nothing."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reader = PdfFileReader(io.BytesIO(pdf), strict=False)
            signatures = reader.embedded_signatures
            if not signatures:
                return SignatureCheck()
            context = ValidationContext(
                trust_roots=[_ca_certificate(ca_file)], allow_fetching=False
            )
            status = _outside_event_loop(validate_pdf_signature, signatures[-1], context)
    except Exception:  # a hostile or broken upload: an answer, never a 500
        return SignatureCheck(readable=False)
    return SignatureCheck(
        signed=True,
        intact=bool(status.intact and status.valid),
        trusted=bool(status.trusted),
        whole_file=status.coverage == SignatureCoverageLevel.ENTIRE_FILE,
        signer=_signer_name(status.signing_cert),
    )


def _signer_name(certificate) -> str:
    """The signing certificate's organization and common name, as a reader says them."""
    if certificate is None:
        return ""
    subject = certificate.subject.native
    return " ".join(filter(None, (subject.get("organization_name"), subject.get("common_name"))))


def _child(connection: Connection, pdf: bytes, ca_file: Path) -> None:
    # pyHanko logs every failed path validation with its traceback: the answer says it.
    for name in ("pyhanko", "pyhanko_certvalidator"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
    try:
        connection.send(validate(pdf, ca_file))
    finally:
        connection.close()


def validate_bounded(pdf: bytes, seconds: float | None = None) -> SignatureCheck:
    """``validate`` in a forked child killed after ``seconds`` (``EVALORG_UPLOAD_CHECK_SECONDS``
    by default): a crafted PDF cannot hold a web worker. The child touches no database; it
    reads the bytes handed to it and the CA file, and sends back the small result."""
    from multiprocessing import get_context

    ca_file = credentials().ca_file
    limit = settings.EVALORG_UPLOAD_CHECK_SECONDS if seconds is None else seconds
    context = get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(sender, pdf, ca_file), daemon=True)
    process.start()
    sender.close()
    try:
        if receiver.poll(limit):
            try:
                return receiver.recv()
            except EOFError:  # the child died (out of memory, a crash)
                return SignatureCheck(readable=False)
        return SignatureCheck(readable=False, timed_out=True)
    finally:
        receiver.close()
        if process.is_alive():
            process.kill()
        process.join(5)
