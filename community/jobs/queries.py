"""Reads about jobs: the failed ones for the admin page, counts for operators, jobs about given objects."""
from sqlalchemy import func, select

from ..extensions import db
from .models import Job


def failed_jobs(page=1, per_page=50):
    """Failed jobs (the dead letters), most recent failure first."""
    stmt = select(Job).where(Job.state == "failed").order_by(Job.failed_at.desc(), Job.id.desc())
    return db.paginate(stmt, page=page, per_page=per_page, error_out=False)


def counts():
    """{'pending': n, 'running': n, 'failed': n}: jobs waiting, being run, and given up on."""
    found = dict(db.session.execute(select(Job.state, func.count(Job.id)).group_by(Job.state)).all())
    return {state: found.get(state, 0) for state in ("pending", "running", "failed")}


def jobs_about(abouts):
    """{about: job} for the newest job about each of these objects ("invitation:12"), in one query."""
    abouts = list(abouts)
    if not abouts:
        return {}
    jobs = db.session.scalars(select(Job).where(Job.about.in_(abouts)).order_by(Job.id)).all()
    return {job.about: job for job in jobs}
