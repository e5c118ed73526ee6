namespace LongRopeSearch.Store.Validation;

/// <summary>validation.json: the validation table of every finished stage of one job, in stage order.</summary>
public sealed record ValidationFile(string JobId, IReadOnlyList<ValidationTable> Stages)
{
    private const string What = "a validation.json written by longrope (job_id, stages[] of validation tables)";

    public void Write(string path) => ArtifactJson.Write(path, this);

    /// <summary>The file at <paramref name="path"/>, or null when there is none; a damaged file is an InputException naming it.</summary>
    public static ValidationFile? Read(string path) => ArtifactJson.ReadOrNull<ValidationFile>(path, What);
}
