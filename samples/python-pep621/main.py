from markupsafe import escape


def hello(request):
    name = request.args.get("name", "world")
    return f"hello, {escape(name)}"
