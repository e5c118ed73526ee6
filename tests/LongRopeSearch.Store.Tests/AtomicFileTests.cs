using LongRopeSearch.Core;
using LongRopeSearch.TestSupport;
using Xunit;

namespace LongRopeSearch.Store.Tests;

public class AtomicFileTests
{
    [Fact]
    public void A_failed_write_leaves_the_previous_file_intact_and_no_temporary_behind()
    {
        using var tmp = new TempDir();
        var path = tmp.File("state.json");
        File.WriteAllText(path, "previous complete version");

        // What a full disk looks like to the writer: ENOSPC after some bytes went out.
        // ENOSPC is errno 28, which .NET on Unix puts in HResult; the wrapper keeps it and says the cause in words.
        var e = Assert.Throws<StorageException>(() => AtomicFile.Write(path, s =>
        {
            s.Write(new byte[4096]);
            throw new IOException("No space left on device", 28);
        }));
        Assert.Equal(28, e.HResult);
        Assert.Contains("no space left on device (the disk is full)", e.Message);

        Assert.Equal("previous complete version", File.ReadAllText(path));
        Assert.Equal(["state.json"], Directory.GetFiles(tmp.PathName).Select(Path.GetFileName));
        Assert.Contains(path, e.Message);
        Assert.Contains("No space left on device", e.Message);
        Assert.Contains("intact", e.Message);
    }

    [Fact]
    public void A_successful_write_replaces_the_file_whole()
    {
        using var tmp = new TempDir();
        var path = tmp.File("a.txt");
        File.WriteAllText(path, "old");
        AtomicFile.WriteAllText(path, "new content");
        Assert.Equal("new content", File.ReadAllText(path));
        Assert.Single(Directory.GetFiles(tmp.PathName));
    }
}
