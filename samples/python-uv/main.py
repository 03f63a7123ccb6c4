from importlib.metadata import version


def hello(request):
    # The installed versions are the lock's: uv.lock pins werkzeug 3.1.3.
    return f"hello, world (werkzeug {version('werkzeug')})"
