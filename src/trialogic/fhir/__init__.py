"""FHIR R4 Bundles as patient records (docs/fhir.md): one Bundle holding one Patient becomes
the record dict that `read_patient` validates, its codes mapped by `facts/fhir.yaml`.

A Bundle is read into a record, and the record is then checked as any record is; a problem
the record's checks find is named by the FHIR element it came from (`entry[3].resource.
valueQuantity.value`), never by the record field it became. What the Bundle holds that the
record cannot say (a code the mapping lacks, a provisional diagnosis, a resource type
trialogic does not read) is never dropped silently: each is a note (a `warning`
Diagnostic), which leaves what it would have said unknown. A Bundle never marks a section
of the record complete: FHIR has no element saying that a patient's whole history of a
kind is listed.

>>> record, notes = bundle_to_record({"resourceType": "Bundle", "type": "collection", "entry": [
...     {"resource": {"resourceType": "Patient", "id": "P1", "gender": "female", "birthDate": "1990-01-02"}}]},
...     "p.json")
>>> record
{'id': 'P1', 'birth_date': '1990-01-02', 'sex': 'female'}
"""

from __future__ import annotations

from .bundle import Converted, bundle_to_record, convert, is_bundle, patient_id, read_bundle
from .mapping import Mapped, Mapping, load_mapping, mapping_problems

__all__ = [
    "Converted",
    "Mapped",
    "Mapping",
    "bundle_to_record",
    "convert",
    "is_bundle",
    "load_mapping",
    "mapping_problems",
    "patient_id",
    "read_bundle",
]
