using System.Buffers.Binary;
using System.IO.MemoryMappedFiles;
using LongRopeSearch.Core;

namespace LongRopeSearch.Model;

/// <summary>
/// One safetensors file, memory-mapped read-only. Opening reads only the header (a few KB for real models);
/// tensor bytes are paged in by the OS when the engine first touches them, so a multi-GB file opens instantly.
/// Tensors are views into the mapping and stay valid until <see cref="Dispose"/>.
/// </summary>
public sealed unsafe class SafetensorsFile : IDisposable
{
    private readonly MemoryMappedFile _map;
    private readonly MemoryMappedViewAccessor _view;
    private byte* _base; // first byte of the file in the mapping; the pointer is acquired once, released on Dispose

    private SafetensorsFile(string path, SafetensorsHeader header, long dataStart, MemoryMappedFile map, MemoryMappedViewAccessor view, byte* basePtr)
    {
        Path = path;
        Header = header;
        DataStart = dataStart;
        _map = map;
        _view = view;
        _base = basePtr;
        var tensors = new Dictionary<string, Tensor>(header.Entries.Count, StringComparer.Ordinal);
        foreach (var e in header.Entries)
            tensors.Add(e.Name, new Tensor(e.Name, e.DType, e.Shape, basePtr + dataStart + e.Begin, this));
        Tensors = tensors;
    }

    public string Path { get; }
    public SafetensorsHeader Header { get; }

    /// <summary>File offset of the data region: 8 + header length.</summary>
    public long DataStart { get; }

    /// <summary>The optional "__metadata__" map.</summary>
    public IReadOnlyDictionary<string, string> Metadata => Header.Metadata;

    /// <summary>Every tensor of the file by name.</summary>
    public IReadOnlyDictionary<string, Tensor> Tensors { get; }

    /// <summary>Opens, validates and maps <paramref name="path"/>; bad files throw <see cref="InputException"/>.</summary>
    public static SafetensorsFile Open(string path)
    {
        if (!File.Exists(path))
            throw new InputException(path, "", "an existing safetensors file", Directory.Exists(path) ? "a directory" : "no such file");
        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.RandomAccess);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InputException(path, "", "a readable file", e.Message, e);
        }

        MemoryMappedFile? map = null;
        MemoryMappedViewAccessor? view = null;
        bool acquired = false;
        try
        {
            long fileLength = stream.Length;
            var headerJson = ReadHeaderBytes(path, stream, fileLength);
            var header = SafetensorsHeader.Parse(path, headerJson, fileLength);

            map = MemoryMappedFile.CreateFromFile(stream, mapName: null, capacity: 0, MemoryMappedFileAccess.Read,
                HandleInheritability.None, leaveOpen: false);
            view = map.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
            byte* p = null;
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref p);
            acquired = true;
            return new SafetensorsFile(path, header, 8 + headerJson.Length, map, view, p + view.PointerOffset);
        }
        catch
        {
            if (acquired) view!.SafeMemoryMappedViewHandle.ReleasePointer();
            view?.Dispose();
            if (map is not null) map.Dispose();
            else stream.Dispose();
            throw;
        }
    }

    /// <summary>Reads the u64 length prefix and the header JSON through the stream (no mapping needed yet).</summary>
    private static byte[] ReadHeaderBytes(string path, FileStream stream, long fileLength)
    {
        if (fileLength < 8)
            throw new InputException(path, "file is truncated",
                "at least 8 bytes (the little-endian u64 header length)", $"{fileLength} bytes");
        Span<byte> prefix = stackalloc byte[8];
        stream.ReadExactly(prefix);
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (n > SafetensorsHeader.MaxHeaderBytes)
            throw new InputException(path, "header length", $"at most {SafetensorsHeader.MaxHeaderBytes} bytes (is this a safetensors file?)", $"{n} bytes");
        if (8 + (long)n > fileLength)
            throw new InputException(path, "file is truncated",
                $"at least {8 + (long)n} bytes (8 + the {n}-byte header the length prefix announces)", $"{fileLength} bytes");
        var json = new byte[n];
        stream.ReadExactly(json);
        return json;
    }

    public void Dispose()
    {
        if (_base == null) return;
        _base = null;
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _map.Dispose();
    }
}
