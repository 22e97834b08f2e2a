using System.Text.Json;
using System.Text.Json.Serialization;
using NodaTime;
using NodaTime.Text;

namespace Forum.Api.Infrastructure;

/// <summary>One JSON shape for requests, responses and stored events: camelCase, enums as names, ISO local times.</summary>
public static class Json
{
    // One instance of each converter for every options object: System.Text.Json shares what it learnt of a type (its
    // metadata, the code it generated) between options that are alike, and converters are alike only when the same.
    private static readonly JsonConverter[] Converters =
        [new JsonStringEnumConverter(), new LocalDateConverter(), new LocalDateTimeConverter(), new InstantConverter()];

    public static void Configure(JsonSerializerOptions options)
    {
        options.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
        options.PropertyNameCaseInsensitive = true;
        options.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
        foreach (var converter in Converters)
        {
            options.Converters.Add(converter);
        }
    }

    /// <summary>For request bodies: a field the contract does not name is an error, not silently dropped.</summary>
    public static void ConfigureStrict(JsonSerializerOptions options)
    {
        Configure(options);
        options.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
    }

    public static JsonSerializerOptions CreateOptions()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        Configure(options);
        return options;
    }

    private sealed class LocalDateConverter : JsonConverter<LocalDate>
    {
        public override LocalDate Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            LocalDatePattern.Iso.Parse(reader.GetString() ?? "").GetValueOrThrow();

        public override void Write(Utf8JsonWriter writer, LocalDate value, JsonSerializerOptions options) =>
            writer.WriteStringValue(LocalDatePattern.Iso.Format(value));
    }

    private sealed class LocalDateTimeConverter : JsonConverter<LocalDateTime>
    {
        private static readonly LocalDateTimePattern Minutes = LocalDateTimePattern.CreateWithInvariantCulture("uuuu'-'MM'-'dd'T'HH':'mm");

        public override LocalDateTime Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            var text = reader.GetString() ?? "";
            var minutes = Minutes.Parse(text);
            return minutes.Success ? minutes.Value : LocalDateTimePattern.ExtendedIso.Parse(text).GetValueOrThrow();
        }

        public override void Write(Utf8JsonWriter writer, LocalDateTime value, JsonSerializerOptions options) =>
            writer.WriteStringValue(value.Second == 0 && value.NanosecondOfSecond == 0 ? Minutes.Format(value) : LocalDateTimePattern.ExtendedIso.Format(value));
    }

    private sealed class InstantConverter : JsonConverter<Instant>
    {
        public override Instant Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            InstantPattern.ExtendedIso.Parse(reader.GetString() ?? "").GetValueOrThrow();

        public override void Write(Utf8JsonWriter writer, Instant value, JsonSerializerOptions options) =>
            writer.WriteStringValue(InstantPattern.ExtendedIso.Format(value));
    }
}
