"""An HTTP function with no requirements.txt: the builder adds the functions framework."""


def hello(request):
    name = request.args.get("name", "world")
    return f"hello, {name}"
