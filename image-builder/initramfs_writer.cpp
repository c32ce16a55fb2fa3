// cpio newc through libarchive with every varying field pinned; gzip and zstd
// through libarchive's filters, lz4 through liblz4 in the kernel's legacy format.
#include "image-builder/initramfs_writer.h"
#include "image-builder/archive_extract.h"

#include <archive.h>
#include <archive_entry.h>
#include <lz4.h>
#include <lz4hc.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <vector>

#include "common/error.h"
#include "common/fs.h"
#include "common/sha256.h"

namespace tailor::image {
namespace {

namespace stdfs = std::filesystem;

struct WriterDeleter {
  void operator()(archive* a) const { archive_write_free(a); }
};
struct EntryDeleter {
  void operator()(archive_entry* e) const { archive_entry_free(e); }
};

// The kernel's lz4 "legacy" frames: a magic number, then blocks of at most
// 8 MiB of input, each as a little-endian compressed length and LZ4 data.
class Lz4LegacyEncoder {
 public:
  static constexpr std::uint32_t kMagic = 0x184C2102;
  static constexpr size_t kChunk = 8u << 20;

  explicit Lz4LegacyEncoder(std::FILE* out) : out_(out) {
    put_le32(kMagic);
    buffer_.reserve(kChunk);
  }

  void write(const char* data, size_t size) {
    while (size > 0) {
      size_t n = std::min(size, kChunk - buffer_.size());
      buffer_.insert(buffer_.end(), data, data + n);
      data += n;
      size -= n;
      if (buffer_.size() == kChunk) flush_chunk();
    }
  }

  void finish() {
    if (!buffer_.empty()) flush_chunk();
  }

 private:
  void put_le32(std::uint32_t v) {
    unsigned char b[4] = {static_cast<unsigned char>(v), static_cast<unsigned char>(v >> 8),
                          static_cast<unsigned char>(v >> 16), static_cast<unsigned char>(v >> 24)};
    if (std::fwrite(b, 1, 4, out_) != 4) throw Error("cannot write the initramfs (disk full?)");
  }
  void flush_chunk() {
    std::vector<char> packed(static_cast<size_t>(LZ4_compressBound(static_cast<int>(buffer_.size()))));
    int n = LZ4_compress_HC(buffer_.data(), packed.data(), static_cast<int>(buffer_.size()),
                            static_cast<int>(packed.size()), LZ4HC_CLEVEL_DEFAULT);
    if (n <= 0) throw Error("lz4 compression of the initramfs failed");
    put_le32(static_cast<std::uint32_t>(n));
    if (std::fwrite(packed.data(), 1, static_cast<size_t>(n), out_) != static_cast<size_t>(n))
      throw Error("cannot write the initramfs (disk full?)");
    buffer_.clear();
  }

  std::FILE* out_;
  std::vector<char> buffer_;
};

// Where libarchive's output goes: straight to the file, or through lz4.
struct Sink {
  std::FILE* file = nullptr;
  std::unique_ptr<Lz4LegacyEncoder> lz4;
  std::string error;
};

la_ssize_t sink_write(archive*, void* data, const void* buf, size_t size) {
  auto* sink = static_cast<Sink*>(data);
  try {
    if (sink->lz4) {
      sink->lz4->write(static_cast<const char*>(buf), size);
    } else if (std::fwrite(buf, 1, size, sink->file) != size) {
      throw Error("cannot write the initramfs (disk full?)");
    }
  } catch (const Error& e) {
    sink->error = e.what();
    return -1;
  }
  return static_cast<la_ssize_t>(size);
}

void check(archive* a, int r, const std::string& what) {
  if (r < ARCHIVE_WARN) throw Error("writing the initramfs: " + what + ": " + archive_message(a));
}

void set_common(archive_entry* e, const std::string& name, std::uint64_t ino) {
  archive_entry_set_pathname(e, name.c_str());
  archive_entry_set_uid(e, 0);
  archive_entry_set_gid(e, 0);
  archive_entry_set_mtime(e, 0, 0);
  archive_entry_set_dev(e, 0);
  archive_entry_set_ino64(e, static_cast<la_int64_t>(ino));
}

void copy_content(archive* a, const std::string& path, const FileContent& content) {
  std::ifstream in(content.file, std::ios::binary);
  if (!in) throw Error("cannot read " + content.file.string() + " (for " + path + " in the image)");
  std::vector<char> buf(1 << 20);
  std::uint64_t total = 0;
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    std::streamsize n = in.gcount();
    if (n <= 0) break;
    total += static_cast<std::uint64_t>(n);
    if (total > content.size) break;
    if (archive_write_data(a, buf.data(), static_cast<size_t>(n)) != n)
      throw Error("writing the initramfs: " + path + ": " + archive_message(a));
  }
  if (total != content.size)
    throw Error(content.file.string() + " (for " + path + " in the image) changed while the image was built: expected " +
                std::to_string(content.size) + " bytes");
}

}  // namespace

InitramfsInfo write_initramfs(const PayloadTree& tree, Compression compression, const stdfs::path& out) {
  const stdfs::path temp = sibling_temp_path(out);
  Sink sink;
  sink.file = std::fopen(temp.c_str(), "wb");
  if (!sink.file) throw Error(errno_message("cannot create " + temp.string(), errno));
  auto cleanup = [&] {
    if (sink.file) std::fclose(sink.file);
    sink.file = nullptr;
    std::error_code ec;
    stdfs::remove(temp, ec);
  };

  InitramfsInfo info;
  try {
    std::unique_ptr<archive, WriterDeleter> a(archive_write_new());
    check(a.get(), archive_write_set_format_cpio_newc(a.get()), "cpio format");
    switch (compression) {
      case Compression::Gzip:
        check(a.get(), archive_write_add_filter_gzip(a.get()), "gzip");
        // A null value turns the option off: no modification time in the header.
        check(a.get(), archive_write_set_filter_option(a.get(), "gzip", "timestamp", nullptr), "gzip timestamp");
        break;
      case Compression::Zstd:
        check(a.get(), archive_write_add_filter_zstd(a.get()), "zstd");
        check(a.get(), archive_write_set_filter_option(a.get(), "zstd", "compression-level", "9"), "zstd level");
        break;
      case Compression::Lz4:
        sink.lz4 = std::make_unique<Lz4LegacyEncoder>(sink.file);
        break;
      case Compression::None:
        break;
    }
    check(a.get(), archive_write_set_bytes_per_block(a.get(), 512), "block size");
    check(a.get(), archive_write_set_bytes_in_last_block(a.get(), 1), "last block");
    check(a.get(), archive_write_open(a.get(), &sink, nullptr, sink_write, nullptr), "open");

    std::uint64_t ino = 0;
    for (const auto& [path, node] : tree.nodes()) {
      std::unique_ptr<archive_entry, EntryDeleter> e(archive_entry_new());
      const std::string name = path.substr(1);  // "usr/bin/x": relative to the root the kernel unpacks into
      // cpio names are C strings: one with a NUL would end early and could
      // become a second copy of another member (e.g. "/init\0x" of /init).
      if (path.find('\0') != std::string::npos || node.link_target.find('\0') != std::string::npos)
        throw Error("writing the initramfs: " + quoted_image_path(path) + " holds a NUL byte in its name or link target");
      set_common(e.get(), name, ++ino);
      archive_entry_set_size(e.get(), 0);
      archive_entry_set_perm(e.get(), node.mode & 07777);
      switch (node.type) {
        case NodeType::File:
          archive_entry_set_filetype(e.get(), AE_IFREG);
          archive_entry_set_nlink(e.get(), 1);
          archive_entry_set_size(e.get(), static_cast<la_int64_t>(node.content.size));
          break;
        case NodeType::Dir:
          archive_entry_set_filetype(e.get(), AE_IFDIR);
          archive_entry_set_nlink(e.get(), 2);
          break;
        case NodeType::Symlink:
          archive_entry_set_filetype(e.get(), AE_IFLNK);
          archive_entry_set_nlink(e.get(), 1);
          archive_entry_set_perm(e.get(), 0777);
          archive_entry_set_symlink(e.get(), node.link_target.c_str());
          break;
        case NodeType::CharDev:
        case NodeType::BlockDev:
          archive_entry_set_filetype(e.get(), node.type == NodeType::CharDev ? AE_IFCHR : AE_IFBLK);
          archive_entry_set_nlink(e.get(), 1);
          archive_entry_set_rdevmajor(e.get(), node.rdev_major);
          archive_entry_set_rdevminor(e.get(), node.rdev_minor);
          break;
        case NodeType::Fifo:
          archive_entry_set_filetype(e.get(), AE_IFIFO);
          archive_entry_set_nlink(e.get(), 1);
          break;
      }
      check(a.get(), archive_write_header(a.get(), e.get()), path);
      if (node.type == NodeType::File && node.content.size > 0) copy_content(a.get(), path, node.content);
      check(a.get(), archive_write_finish_entry(a.get()), path);
    }
    if (archive_write_close(a.get()) != ARCHIVE_OK)
      throw Error("writing the initramfs: " + (sink.error.empty() ? std::string(archive_message(a.get())) : sink.error));
    info.cpio_bytes = static_cast<std::uint64_t>(archive_filter_bytes(a.get(), 0));
    if (sink.lz4) sink.lz4->finish();
    if (std::fflush(sink.file) != 0 || ::fsync(fileno(sink.file)) != 0)
      throw Error(errno_message("cannot write " + temp.string(), errno));
    std::fclose(sink.file);
    sink.file = nullptr;
    info.entries = ino;
  } catch (...) {
    cleanup();
    throw;
  }
  std::error_code ec;
  stdfs::rename(temp, out, ec);
  if (ec) {
    cleanup();
    throw Error("cannot rename " + temp.string() + " to " + out.string() + ": " + ec.message());
  }
  info.bytes = stdfs::file_size(out);
  info.sha256 = sha256_file(out);
  return info;
}

}  // namespace tailor::image
