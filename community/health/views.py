"""GET /healthz: 200 while this machine can serve, 503 naming what is down; never stored, never rate-limited."""
from flask import Blueprint, current_app, jsonify

from ..extensions import limiter
from .checks import run_checks

bp = Blueprint("health", __name__)


@bp.route("/healthz")
@limiter.exempt
def healthz():
    report = run_checks(current_app)
    response = jsonify(report)
    response.status_code = 503 if report["down"] else 200
    response.headers["Cache-Control"] = "no-store"
    return response
