using Google.Protobuf;
using LongRopeSearch.Core;

namespace LongRopeSearch.Tokenizers;

/// <summary>Piece types of sentencepiece_model.proto.</summary>
public enum PieceType
{
    Normal = 1,
    Unknown = 2,
    Control = 3,
    UserDefined = 4,
    Unused = 5,
    Byte = 6,
}

/// <summary>One vocabulary entry: its text (spaces written as "▁"), merge score and type; the id is its index.</summary>
public readonly record struct SentencePiece(string Piece, float Score, PieceType Type);

/// <summary>
/// The parts of a SentencePiece tokenizer.model (sentencepiece_model.proto, read with Google.Protobuf's wire reader)
/// that encoding needs. Only BPE models with identity normalization are accepted (Llama 2, Mistral, Gemma...): a
/// Unigram model or a precompiled normalization rule is refused with a clear message rather than encoded wrongly.
/// </summary>
public sealed class SentencePieceModel
{
    // Field numbers of sentencepiece_model.proto.
    private const int ModelPieces = 1, ModelTrainerSpec = 2, ModelNormalizerSpec = 3;
    private const int PiecePiece = 1, PieceScore = 2, PieceTypeField = 3;
    private const int TrainerModelType = 3, TrainerTreatWhitespaceAsSuffix = 24, TrainerByteFallback = 35;
    private const int TrainerUnkId = 40, TrainerBosId = 41, TrainerEosId = 42;
    private const int NormName = 1, NormPrecompiledCharsmap = 2, NormAddDummyPrefix = 3, NormRemoveExtraWhitespaces = 4, NormEscapeWhitespaces = 5;
    private const int ModelTypeBpe = 2;

    public required IReadOnlyList<SentencePiece> Pieces { get; init; }
    public bool ByteFallback { get; init; }
    public bool TreatWhitespaceAsSuffix { get; init; }
    public bool AddDummyPrefix { get; init; } = true;
    public bool RemoveExtraWhitespaces { get; init; } = true;
    public bool EscapeWhitespaces { get; init; } = true;
    public int UnknownId { get; init; }
    public int BosId { get; init; } = 1;
    public int EosId { get; init; } = 2;

    public static SentencePieceModel Load(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (IOException e)
        {
            throw new InputException(path, "", "a readable SentencePiece model file", e.Message, e);
        }
        try
        {
            return Parse(bytes, path);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new InputException(path, "", "a SentencePiece model (sentencepiece_model.proto)", e.Message, e);
        }
    }

    private static SentencePieceModel Parse(byte[] bytes, string path)
    {
        var pieces = new List<SentencePiece>();
        int modelType = 1, unk = 0, bos = 1, eos = 2; // proto defaults (UNIGRAM, 0, 1, 2)
        bool byteFallback = false, suffix = false, dummyPrefix = true, removeExtra = true, escape = true;
        string? normalizerName = null;
        var charsmapLength = 0;

        var input = new CodedInputStream(bytes);
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case ModelPieces:
                    pieces.Add(ReadPiece(new CodedInputStream(input.ReadBytes().ToByteArray()), pieces.Count, path));
                    break;
                case ModelTrainerSpec:
                    var trainer = new CodedInputStream(input.ReadBytes().ToByteArray());
                    while ((tag = trainer.ReadTag()) != 0)
                    {
                        switch (WireFormat.GetTagFieldNumber(tag))
                        {
                            case TrainerModelType: modelType = trainer.ReadEnum(); break;
                            case TrainerTreatWhitespaceAsSuffix: suffix = trainer.ReadBool(); break;
                            case TrainerByteFallback: byteFallback = trainer.ReadBool(); break;
                            case TrainerUnkId: unk = trainer.ReadInt32(); break;
                            case TrainerBosId: bos = trainer.ReadInt32(); break;
                            case TrainerEosId: eos = trainer.ReadInt32(); break;
                            default: trainer.SkipLastField(); break;
                        }
                    }
                    break;
                case ModelNormalizerSpec:
                    var norm = new CodedInputStream(input.ReadBytes().ToByteArray());
                    while ((tag = norm.ReadTag()) != 0)
                    {
                        switch (WireFormat.GetTagFieldNumber(tag))
                        {
                            case NormName: normalizerName = norm.ReadString(); break;
                            case NormPrecompiledCharsmap: charsmapLength = norm.ReadBytes().Length; break;
                            case NormAddDummyPrefix: dummyPrefix = norm.ReadBool(); break;
                            case NormRemoveExtraWhitespaces: removeExtra = norm.ReadBool(); break;
                            case NormEscapeWhitespaces: escape = norm.ReadBool(); break;
                            default: norm.SkipLastField(); break;
                        }
                    }
                    break;
                default:
                    input.SkipLastField();
                    break;
            }
        }

        if (pieces.Count == 0) throw new InputException(path, "pieces", "at least one piece");
        if (modelType != ModelTypeBpe) throw new InputException(path, "trainer_spec.model_type", "BPE (2), the Llama/Mistral kind", modelType.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (charsmapLength != 0 || (normalizerName is not null && normalizerName != "identity"))
            throw new InputException(path, "normalizer_spec", "identity normalization (no precompiled_charsmap)", normalizerName);
        foreach (var (id, field) in new[] { (unk, "unk_id"), (bos, "bos_id"), (eos, "eos_id") })
        {
            if (id >= pieces.Count) throw new InputException(path, "trainer_spec." + field, $"an id below the {pieces.Count} pieces", id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        return new SentencePieceModel
        {
            Pieces = pieces,
            ByteFallback = byteFallback,
            TreatWhitespaceAsSuffix = suffix,
            AddDummyPrefix = dummyPrefix,
            RemoveExtraWhitespaces = removeExtra,
            EscapeWhitespaces = escape,
            UnknownId = unk,
            BosId = bos,
            EosId = eos,
        };
    }

    private static SentencePiece ReadPiece(CodedInputStream input, int index, string path)
    {
        string? piece = null;
        var score = 0f;
        var type = PieceType.Normal;
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case PiecePiece: piece = input.ReadString(); break;
                case PieceScore: score = input.ReadFloat(); break;
                case PieceTypeField: type = (PieceType)input.ReadEnum(); break;
                default: input.SkipLastField(); break;
            }
        }
        if (string.IsNullOrEmpty(piece)) throw new InputException(path, $"pieces[{index}].piece", "a non-empty string");
        if (!Enum.IsDefined(type)) throw new InputException(path, $"pieces[{index}].type", "a piece type 1..6", ((int)type).ToString(System.Globalization.CultureInfo.InvariantCulture));
        return new SentencePiece(piece, score, type);
    }
}
