"""The lab: fair, reproducible comparisons of training techniques, with reports.

``trainlab lab run STUDY`` tunes every arm of a study on the validation split, reruns the chosen
settings on paired seeds, and writes one JSON record per run; ``trainlab lab report DIR`` turns
the records into ``report.md``, ``report.html`` and ``results.csv``.
"""
from trainlab.lab.records import RecordStore
from trainlab.lab.runner import RunSummary, run_study
from trainlab.lab.schema import StudyError
from trainlab.lab.study import Study, builtin_studies, load_study

__all__ = ["RecordStore", "RunSummary", "Study", "StudyError", "builtin_studies", "load_study", "run_study"]
