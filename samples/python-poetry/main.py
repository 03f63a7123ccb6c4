from importlib.metadata import version

from markupsafe import escape


def hello(request):
    name = request.args.get("name", "world")
    # The installed versions are the lock's: poetry.lock pins markupsafe 3.0.2.
    return f"hello, {escape(name)} (markupsafe {version('markupsafe')})"
