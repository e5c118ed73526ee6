using System.Text.Json;
using System.Text.Json.Nodes;
using LongRopeSearch.Core;

namespace LongRopeSearch.Tokenizers;

/// <summary>
/// What tokenizer_config.json says about special tokens, and the rule that decides whether a document's ids start with
/// BOS / end with EOS, as transformers' AutoTokenizer applies it to one document (add_special_tokens=True):
/// <list type="bullet">
/// <item>Tokenizer classes whose fast tokenizer rebuilds the post-processor from the flags (LlamaTokenizer,
/// CodeLlamaTokenizer, GemmaTokenizer and their Fast forms, which Llama 2 and Mistral use): BOS iff
/// <c>add_bos_token</c> (default true), EOS iff <c>add_eos_token</c> (default false), with the config's
/// <c>bos_token</c>/<c>eos_token</c>.</item>
/// <item>Every other class (Llama 3's PreTrainedTokenizerFast, Qwen2Tokenizer, GPT2Tokenizer...): tokenizer.json's own
/// <c>post_processor</c> decides (Llama 3's TemplateProcessing adds &lt;|begin_of_text|&gt;; Qwen2's ByteLevel adds
/// nothing); the flags are not consulted, as transformers 4.x does not consult them for these classes.</item>
/// <item>A folder with only tokenizer.model is read as a LlamaTokenizer, so the first rule applies.</item>
/// </list>
/// </summary>
public sealed record TokenizerConfig(
    string? TokenizerClass,
    bool? AddBosToken,
    bool? AddEosToken,
    string? BosToken,
    string? EosToken)
{
    public const string FileName = "tokenizer_config.json";

    /// <summary>The classes whose fast tokenizer builds its post-processor from add_bos_token / add_eos_token.</summary>
    public static readonly IReadOnlySet<string> FlagDrivenClasses = new HashSet<string>(StringComparer.Ordinal)
    {
        "LlamaTokenizer", "LlamaTokenizerFast", "CodeLlamaTokenizer", "CodeLlamaTokenizerFast",
        "GemmaTokenizer", "GemmaTokenizerFast",
    };

    /// <summary>No tokenizer_config.json: every field unset.</summary>
    public static TokenizerConfig Empty { get; } = new(null, null, null, null, null);

    /// <summary>True when add_bos_token/add_eos_token (not tokenizer.json's post-processor) decide BOS and EOS.</summary>
    public bool FlagsDecide => TokenizerClass is not null && FlagDrivenClasses.Contains(TokenizerClass);

    /// <summary>BOS per the flags, with LlamaTokenizer's default (true).</summary>
    public bool AddsBosByFlags => AddBosToken ?? true;

    /// <summary>EOS per the flags, with LlamaTokenizer's default (false).</summary>
    public bool AddsEosByFlags => AddEosToken ?? false;

    /// <summary>Reads <paramref name="folder"/>/tokenizer_config.json, or returns <see cref="Empty"/> when it is absent.</summary>
    public static TokenizerConfig Load(string folder)
    {
        var path = Path.Combine(folder, FileName);
        if (!File.Exists(path)) return Empty;
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(File.ReadAllText(path));
        }
        catch (JsonException e)
        {
            throw new InputException(path, "", "valid JSON", e.Message, e);
        }
        if (root is not JsonObject obj) throw new InputException(path, "", "a JSON object");
        return new TokenizerConfig(
            OptionalString(obj, "tokenizer_class", path),
            OptionalBool(obj, "add_bos_token", path),
            OptionalBool(obj, "add_eos_token", path),
            TokenContent(obj, "bos_token", path),
            TokenContent(obj, "eos_token", path));
    }

    private static string? OptionalString(JsonObject obj, string field, string path)
    {
        var node = obj[field];
        if (node is null) return null;
        return node is JsonValue v && v.TryGetValue<string>(out var s) ? s : throw new InputException(path, field, "a string or null");
    }

    private static bool? OptionalBool(JsonObject obj, string field, string path)
    {
        var node = obj[field];
        if (node is null) return null;
        return node is JsonValue v && v.TryGetValue<bool>(out var b) ? b : throw new InputException(path, field, "true, false or null");
    }

    /// <summary>A special token is written either as its text or as an AddedToken object with a "content" field.</summary>
    private static string? TokenContent(JsonObject obj, string field, string path)
    {
        var node = obj[field];
        return node switch
        {
            null => null,
            JsonValue v when v.TryGetValue<string>(out var s) => s,
            JsonObject o when o["content"] is JsonValue c && c.TryGetValue<string>(out var s) => s,
            _ => throw new InputException(path, field, "a token string, an object with a \"content\" string, or null"),
        };
    }
}
