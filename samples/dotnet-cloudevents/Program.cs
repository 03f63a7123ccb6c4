using CloudNative.CloudEvents;
using CloudNative.CloudEvents.SystemTextJson;

var app = WebApplication.CreateBuilder(args).Build();
var formatter = new JsonEventFormatter();

// A binary-mode CloudEvent: attributes in ce-* headers, data in the body.
// Answers "<id> <type>".
app.MapPost("/", async (HttpRequest request) =>
{
    var cloudEvent = new CloudEvent(CloudEventsSpecVersion.V1_0);
    try
    {
        foreach (var header in request.Headers)
        {
            if (header.Key.StartsWith("ce-", StringComparison.OrdinalIgnoreCase)
                && !header.Key.Equals("ce-specversion", StringComparison.OrdinalIgnoreCase))
            {
                cloudEvent.SetAttributeFromString(header.Key.Substring(3).ToLowerInvariant(), header.Value.ToString());
            }
        }
        cloudEvent.DataContentType = request.ContentType;
        using var body = new MemoryStream();
        await request.Body.CopyToAsync(body);
        formatter.DecodeBinaryModeEventData(body.ToArray(), cloudEvent);
        cloudEvent.Validate();
    }
    catch (Exception e) when (e is ArgumentException || e is InvalidOperationException || e is System.Text.Json.JsonException)
    {
        return Results.BadRequest($"not a binary-mode CloudEvent: {e.Message}");
    }
    Console.WriteLine($"received {cloudEvent.Id} of type {cloudEvent.Type} from {cloudEvent.Source}");
    return Results.Text($"{cloudEvent.Id} {cloudEvent.Type}");
});

app.Run();
