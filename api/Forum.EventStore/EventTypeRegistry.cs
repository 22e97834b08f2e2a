using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Forum.EventStore;

/// <summary>
/// Maps events to stable type names (never CLR names, which change with refactoring) and carries the
/// upcasters that turn an old stored shape into the current one on read.
/// </summary>
public sealed class EventTypeRegistry
{
    private readonly ConcurrentDictionary<string, Type> byName = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<Type, string> byType = new();
    private readonly ConcurrentDictionary<string, (string NewName, Func<JsonObject, JsonObject> Transform)> upcasters = new(StringComparer.Ordinal);

    public EventTypeRegistry(JsonSerializerOptions? options = null) =>
        JsonOptions = options ?? new JsonSerializerOptions(JsonSerializerDefaults.Web);

    public JsonSerializerOptions JsonOptions { get; }

    public EventTypeRegistry Register<TEvent>(string name) => Register(typeof(TEvent), name);

    public EventTypeRegistry Register(Type type, string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (!byName.TryAdd(name, type) && byName[name] != type)
        {
            throw new InvalidOperationException($"The event name '{name}' is already registered for {byName[name]}.");
        }

        byType[type] = name;
        return this;
    }

    /// <summary>Events stored as <paramref name="oldName"/> are read as <paramref name="newName"/> after <paramref name="transform"/>.</summary>
    public EventTypeRegistry Upcast(string oldName, string newName, Func<JsonObject, JsonObject> transform)
    {
        if (!upcasters.TryAdd(oldName, (newName, transform)))
        {
            throw new InvalidOperationException($"An upcaster for '{oldName}' is already registered.");
        }

        return this;
    }

    public string NameOf(Type type) =>
        byType.TryGetValue(type, out var name) ? name : throw new UnknownEventTypeException(type.FullName ?? type.Name);

    /// <summary>
    /// The stored names of the events that read as one of <paramref name="types"/> or a subtype: their own names, and the
    /// old names whose upcasters lead to one of them.
    /// </summary>
    public string[] StoredNamesOf(IReadOnlyCollection<Type> types)
    {
        var names = byName.Where(n => types.Any(t => t.IsAssignableFrom(n.Value))).Select(n => n.Key).ToHashSet(StringComparer.Ordinal);
        foreach (var old in upcasters.Keys)
        {
            var name = old;
            for (var hops = 0; hops <= 32 && upcasters.TryGetValue(name, out var upcaster); hops++)
            {
                name = upcaster.NewName;
            }

            if (names.Contains(name))
            {
                names.Add(old);
            }
        }

        return names.Order(StringComparer.Ordinal).ToArray();
    }

    public string Serialize(object @event) => JsonSerializer.Serialize(@event, @event.GetType(), JsonOptions);

    /// <summary>Upcasts (as often as chained upcasters say) and deserializes a stored event.</summary>
    public (string Name, object Data) Deserialize(string storedName, string json)
    {
        var name = storedName;
        JsonObject? node = null;
        var hops = 0;
        while (upcasters.TryGetValue(name, out var upcaster))
        {
            node ??= JsonNode.Parse(json)?.AsObject() ?? [];
            node = upcaster.Transform(node);
            name = upcaster.NewName;
            if (++hops > 32)
            {
                throw new InvalidOperationException($"The upcasters of '{storedName}' form a cycle.");
            }
        }

        if (!byName.TryGetValue(name, out var type))
        {
            throw new UnknownEventTypeException(name);
        }

        var data = node is null ? JsonSerializer.Deserialize(json, type, JsonOptions) : node.Deserialize(type, JsonOptions);
        return (name, data ?? throw new JsonException($"The stored event '{storedName}' is null."));
    }
}
