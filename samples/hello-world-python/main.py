def hello_world(request):
    return "hello, world"
