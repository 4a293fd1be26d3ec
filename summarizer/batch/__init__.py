"""``summarizer batch``: many briefs from one jobs file, resumable, locally or on Ray.

``load_jobs`` validates a JSONL jobs file up front; ``run_batch`` runs the jobs not
yet done on an executor (``summarizer.executors``) and keeps the output folder's
result files and ``index.jsonl`` consistent after every job.
"""

from summarizer.batch.jobs import BatchJob, load_jobs
from summarizer.batch.run import INDEX_FILE, BatchReport, JobRecord, run_batch

__all__ = ["INDEX_FILE", "BatchJob", "BatchReport", "JobRecord", "load_jobs", "run_batch"]
