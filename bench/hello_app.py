"""The bare Flask route the forum is measured against: same gunicorn settings, no templates, no database."""
from flask import Flask

app = Flask(__name__)


@app.route("/")
def hello():
    return "Hello, World!"
