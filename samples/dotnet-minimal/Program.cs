// A minimal API that leaves the listening address to the platform (ASPNETCORE_HTTP_PORTS).
var app = WebApplication.CreateBuilder(args).Build();

app.MapGet("/", () => "hello, world");

app.Run();
