"""The application form (附件2 layout) as PDF: every answer, occupations, materials with hashes."""

from __future__ import annotations

from evalorg.core import clock
from evalorg.documents.pdf import render_pdf
from evalorg.institutions.masking import mask_email, mask_id_number, mask_phone
from evalorg.institutions.models import ExclusionItem
from evalorg.institutions.uscc import parse_uscc

from .materials import applicable_items, current_materials
from .models import Application


def application_pdf_bytes(application: Application, *, for_applicant: bool = False) -> bytes:
    """``for_applicant``: the institution's own copy, which it prints and stamps (material 1),
    shows its contact phone and e-mail in full (issue 22); staff copies keep them masked."""
    institution = application.institution
    phone, email = institution.contact_phone, institution.contact_email
    declarations = {d.item: d for d in institution.declarations.all()}
    materials = current_materials(application)
    return render_pdf(
        "applications/pdf.html",
        {
            "application": application,
            "institution": institution,
            "facts": parse_uscc(institution.uscc),
            "legal_rep_id": mask_id_number(institution.legal_rep_id_number),
            "contact_phone": phone if for_applicant else mask_phone(phone),
            "contact_email": email if for_applicant else mask_email(email),
            "groups": application.occupation_groups(),
            "material_rows": [
                {"item": item, "files": materials.get(item.code, [])}
                for item in applicable_items(application)
            ],
            "declaration_rows": [
                {"label": label, "answer": declarations.get(value)}
                for value, label in ExclusionItem.choices
            ],
            "generated_at": clock.now(),
        },
    )
