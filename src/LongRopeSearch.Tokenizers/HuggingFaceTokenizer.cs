using System.Text.Json;
using System.Text.Json.Nodes;
using LongRopeSearch.Core;
using NativeTokenizer = Tokenizers.DotNet.Tokenizer;
using NativeTokenizerException = Tokenizers.DotNet.TokenizerException;

namespace LongRopeSearch.Tokenizers;

/// <summary>
/// A model folder's tokenizer.json, encoded by Hugging Face's own Rust <c>tokenizers</c> library (through
/// Tokenizers.DotNet), so ids are exactly Hugging Face's. Encoding uses add_special_tokens=True; BOS/EOS follow
/// <see cref="TokenizerConfig"/>'s rule. As AutoTokenizer does for a call without truncation/padding arguments, a
/// <c>truncation</c> or <c>padding</c> section in tokenizer.json is ignored.
/// </summary>
public sealed class HuggingFaceTokenizer : ITextTokenizer
{
    public const string FileName = "tokenizer.json";

    private readonly NativeTokenizer _native;

    private HuggingFaceTokenizer(NativeTokenizer native, string description, int vocabSize,
        int? bosId, bool addsBos, int? eosId, bool addsEos)
    {
        _native = native;
        Description = description;
        VocabSize = vocabSize;
        BosId = bosId;
        AddsBos = addsBos;
        EosId = eosId;
        AddsEos = addsEos;
    }

    public string Description { get; }
    public int VocabSize { get; }
    public int? BosId { get; }
    public bool AddsBos { get; }
    public int? EosId { get; }
    public bool AddsEos { get; }

    /// <summary>Loads <paramref name="folder"/>/tokenizer.json (and tokenizer_config.json when present).</summary>
    public static HuggingFaceTokenizer Load(string folder)
    {
        var path = Path.Combine(folder, FileName);
        if (!File.Exists(path)) throw new InputException(path, "", "a Hugging Face tokenizer.json file");
        var root = ParseObject(path);
        var config = TokenizerConfig.Load(folder);
        var ids = TokenIds(root, path);
        var vocabSize = ids.Values.Max() + 1;

        // What AutoTokenizer would run: no truncation or padding, and for flag-driven classes a post-processor rebuilt
        // from add_bos_token / add_eos_token exactly as LlamaTokenizerFast.update_post_processor does.
        var changed = false;
        foreach (var field in new[] { "truncation", "padding" })
        {
            if (root[field] is not null)
            {
                root[field] = null;
                changed = true;
            }
        }
        int? bosId, eosId;
        bool addsBos, addsEos;
        if (config.FlagsDecide)
        {
            var configPath = Path.Combine(folder, TokenizerConfig.FileName);
            addsBos = config.AddsBosByFlags;
            addsEos = config.AddsEosByFlags;
            bosId = SpecialId(config.BosToken, "bos_token", addsBos, ids, configPath);
            eosId = SpecialId(config.EosToken, "eos_token", addsEos, ids, configPath);
            root["post_processor"] = FlagTemplate(addsBos ? config.BosToken : null, bosId, addsEos ? config.EosToken : null, eosId);
            changed = true;
        }
        else
        {
            var (leading, trailing) = TemplateSpecials(root["post_processor"], path);
            bosId = config.BosToken is not null && ids.TryGetValue(config.BosToken, out var b) ? b : leading.Count > 0 ? leading[0] : null;
            eosId = config.EosToken is not null && ids.TryGetValue(config.EosToken, out var e) ? e : trailing.Count > 0 ? trailing[^1] : null;
            addsBos = leading.Count > 0 && leading[0] == bosId;
            addsEos = trailing.Count > 0 && trailing[^1] == eosId;
        }

        var native = changed ? LoadRewritten(root, path) : LoadNative(path, path);
        var description = $"{FileName} (Hugging Face tokenizers via Tokenizers.DotNet, native {native.GetVersion()})"
            + (config.FlagsDecide ? $"; BOS/EOS from {TokenizerConfig.FileName} ({config.TokenizerClass})" : "; BOS/EOS from its post_processor");
        return new HuggingFaceTokenizer(native, description, vocabSize, bosId, addsBos, eosId, addsEos);
    }

    public int[] Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = _native.Encode(text);
        var result = new int[ids.Length];
        for (var i = 0; i < ids.Length; i++) result[i] = checked((int)ids[i]);
        return result;
    }

    public void Dispose() => _native.Dispose();

    private static JsonObject ParseObject(string path)
    {
        try
        {
            return JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? throw new InputException(path, "", "a JSON object");
        }
        catch (JsonException e)
        {
            throw new InputException(path, "", "valid JSON", e.Message, e);
        }
    }

    /// <summary>token → id over model.vocab (BPE/WordPiece: object; Unigram: [piece, score] array) and added_tokens.</summary>
    private static Dictionary<string, int> TokenIds(JsonObject root, string path)
    {
        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        switch (root["model"]?["vocab"])
        {
            case JsonObject vocab:
                foreach (var (token, id) in vocab)
                    ids[token] = id is JsonValue v && v.TryGetValue<int>(out var n) && n >= 0 ? n : throw new InputException(path, $"model.vocab[\"{token}\"]", "a non-negative integer id");
                break;
            case JsonArray pieces: // Unigram: the id is the position
                for (var i = 0; i < pieces.Count; i++)
                {
                    if (pieces[i] is JsonArray { Count: >= 1 } p && p[0] is JsonValue pv && pv.TryGetValue<string>(out var piece)) ids.TryAdd(piece, i);
                    else throw new InputException(path, $"model.vocab[{i}]", "a [piece, score] pair");
                }
                break;
            default:
                throw new InputException(path, "model.vocab", "an object of token ids or an array of [piece, score] pairs");
        }
        if (root["added_tokens"] is JsonArray added)
        {
            for (var i = 0; i < added.Count; i++)
            {
                if (added[i] is JsonObject t && t["content"] is JsonValue c && c.TryGetValue<string>(out var content)
                    && t["id"] is JsonValue iv && iv.TryGetValue<int>(out var id) && id >= 0)
                    ids[content] = id;
                else throw new InputException(path, $"added_tokens[{i}]", "an object with \"id\" and \"content\"");
            }
        }
        if (ids.Count == 0) throw new InputException(path, "model.vocab", "at least one token");
        return ids;
    }

    private static int? SpecialId(string? token, string field, bool required, Dictionary<string, int> ids, string configPath)
    {
        if (token is null)
        {
            if (required) throw new InputException(configPath, field, $"a token, since add_{field} is true");
            return null;
        }
        if (ids.TryGetValue(token, out var id)) return id;
        throw new InputException(configPath, field, $"a token of {FileName}", token);
    }

    /// <summary>TemplateProcessing "bos:0 $A:0 eos:0" / pair "... bos:1 $B:1 eos:1", as update_post_processor builds it.</summary>
    private static JsonObject FlagTemplate(string? bos, int? bosId, string? eos, int? eosId)
    {
        static JsonObject Special(string token, int typeId) => new() { ["SpecialToken"] = new JsonObject { ["id"] = token, ["type_id"] = typeId } };
        static JsonObject Sequence(string id, int typeId) => new() { ["Sequence"] = new JsonObject { ["id"] = id, ["type_id"] = typeId } };
        var single = new JsonArray();
        var pair = new JsonArray();
        foreach (var (items, seq, typeId) in new[] { (single, "A", 0), (pair, "A", 0), (pair, "B", 1) })
        {
            if (bos is not null) items.Add(Special(bos, typeId));
            items.Add(Sequence(seq, typeId));
            if (eos is not null) items.Add(Special(eos, typeId));
        }
        var specials = new JsonObject();
        foreach (var (token, id) in new[] { (bos, bosId), (eos, eosId) })
        {
            if (token is not null && !specials.ContainsKey(token))
                specials[token] = new JsonObject { ["id"] = token, ["ids"] = new JsonArray(id!.Value), ["tokens"] = new JsonArray(token) };
        }
        return new JsonObject { ["type"] = "TemplateProcessing", ["single"] = single, ["pair"] = pair, ["special_tokens"] = specials };
    }

    /// <summary>The special-token ids a post-processor puts before and after a single sequence: TemplateProcessing's
    /// "single" (also inside a Sequence), BertProcessing/RobertaProcessing's cls/sep; none for ByteLevel or null.</summary>
    private static (List<int> Leading, List<int> Trailing) TemplateSpecials(JsonNode? post, string path)
    {
        var leading = new List<int>();
        var trailing = new List<int>();
        if (post is not JsonObject p) return (leading, trailing);
        switch ((string?)p["type"])
        {
            case "Sequence":
                foreach (var inner in p["processors"] as JsonArray ?? [])
                {
                    var (l, t) = TemplateSpecials(inner, path);
                    leading.AddRange(l);
                    trailing.AddRange(t);
                }
                break;
            case "TemplateProcessing":
                var seen = false;
                foreach (var item in p["single"] as JsonArray ?? [])
                {
                    if (item?["Sequence"] is not null) { seen = true; continue; }
                    var name = (string?)item?["SpecialToken"]?["id"]
                        ?? throw new InputException(path, "post_processor.single", "SpecialToken and Sequence items");
                    var tokenIds = p["special_tokens"]?[name]?["ids"] as JsonArray
                        ?? throw new InputException(path, $"post_processor.special_tokens[\"{name}\"].ids", "the ids of the template's special token");
                    (seen ? trailing : leading).AddRange(tokenIds.Select(x => (int)x!));
                }
                break;
            case "BertProcessing":
            case "RobertaProcessing":
                leading.Add((int)p["cls"]![1]!);
                trailing.Add((int)p["sep"]![1]!);
                break;
        }
        return (leading, trailing);
    }

    /// <summary>Tokenizers.DotNet only loads from a path: write the adjusted JSON to a private temporary file.</summary>
    private static NativeTokenizer LoadRewritten(JsonObject root, string originalPath)
    {
        var dir = Path.Combine(Path.GetTempPath(), "longrope-tokenizer-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            var temp = Path.Combine(dir, FileName);
            File.WriteAllText(temp, root.ToJsonString());
            return LoadNative(temp, originalPath);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static NativeTokenizer LoadNative(string path, string reportedPath)
    {
        try
        {
            return new NativeTokenizer(path);
        }
        catch (NativeTokenizerException e)
        {
            throw new InputException(reportedPath, "", "a tokenizer.json that Hugging Face tokenizers can load", e.Message, e);
        }
    }
}
