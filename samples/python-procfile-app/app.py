"""A plain Flask app started by the Procfile's web command."""
from flask import Flask

app = Flask(__name__)


@app.get("/")
def index():
    return "hello, world"
