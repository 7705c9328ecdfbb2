// The LMDB 0.9 on-disk format, as far as this check needs it (mdb.c: MDB_page, MDB_meta,
// MDB_db, MDB_node; 64-bit build, no MDB_VL32). All fields are little-endian on the machines
// this runs on, as LMDB writes them in host order.

#include "sdk/cache/lmdb_file_check.hpp"

#include <cstdint>
#include <cstring>
#include <set>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace aurora::sdk {
namespace {

constexpr std::uint32_t kMagic = 0xBEEFC0DE;
constexpr std::uint32_t kDataVersion = 1;
constexpr std::uint64_t kInvalidPage = ~std::uint64_t{0};
constexpr std::size_t kPageHeader = 16;
constexpr std::size_t kNodeHeader = 8;
constexpr std::uint16_t kBranch = 0x01, kLeaf = 0x02, kOverflow = 0x04, kMeta = 0x08;
constexpr std::uint16_t kBigData = 0x01;
constexpr int kMaxDepth = 16;

template <class T>
T Load(const unsigned char* p) {
  T v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

struct Db {
  std::uint32_t pad = 0;
  std::uint16_t flags = 0;
  std::uint16_t depth = 0;
  std::uint64_t branch_pages = 0, leaf_pages = 0, overflow_pages = 0, entries = 0, root = 0;
};

Db LoadDb(const unsigned char* p) {
  Db d;
  d.pad = Load<std::uint32_t>(p);
  d.flags = Load<std::uint16_t>(p + 4);
  d.depth = Load<std::uint16_t>(p + 6);
  d.branch_pages = Load<std::uint64_t>(p + 8);
  d.leaf_pages = Load<std::uint64_t>(p + 16);
  d.overflow_pages = Load<std::uint64_t>(p + 24);
  d.entries = Load<std::uint64_t>(p + 32);
  d.root = Load<std::uint64_t>(p + 40);
  return d;
}

struct Meta {
  bool valid = false;
  std::uint64_t psize = 0;
  Db free_db, main_db;
  std::uint64_t last_pg = 0;
  std::uint64_t txnid = 0;
};

Error Bad(const std::string& why) {
  return Error{ErrorCode::kCorrupt, "cache file is damaged: " + why};
}

class Checker {
 public:
  Checker(int fd, std::uint64_t file_size) : fd_(fd), file_size_(file_size) {}

  Result<void> Run() {
    // Meta pages: page 0, then page 1 at the page size page 0 declares (like mdb_env_read_header).
    std::vector<unsigned char> page(4096);
    Meta metas[2];
    std::uint64_t offset = 0;
    for (int i = 0; i < 2; ++i) {
      if (!Read(offset, page.data(), page.size()))
        return Bad("meta page " + std::to_string(i) + " is missing");
      metas[i] = ParseMeta(page.data());
      if (!metas[i].valid) return Bad("meta page " + std::to_string(i) + " is invalid");
      offset += metas[0].psize;
    }
    const Meta& m = metas[metas[0].txnid < metas[1].txnid ? 1 : 0];
    psize_ = m.psize;
    if (psize_ < 512 || psize_ > 65536 || (psize_ & (psize_ - 1)) != 0) return Bad("bad page size");
    if (metas[0].psize != metas[1].psize) return Bad("meta pages disagree on the page size");
    last_pg_ = m.last_pg;
    if (last_pg_ < 1 || last_pg_ >= file_size_ / psize_)
      return Bad("last page beyond the end of the file");
    if (m.main_db.flags != 0) return Bad("unexpected main database flags");
    if (auto r = Tree(m.main_db, false); !r) return r;
    if (auto r = Tree(m.free_db, true); !r) return r;
    return {};
  }

 private:
  Meta ParseMeta(const unsigned char* p) const {
    Meta m;
    if ((Load<std::uint16_t>(p + 10) & kMeta) == 0) return m;
    const unsigned char* meta = p + kPageHeader;
    if (Load<std::uint32_t>(meta) != kMagic || Load<std::uint32_t>(meta + 4) != kDataVersion)
      return m;
    m.free_db = LoadDb(meta + 24);
    m.main_db = LoadDb(meta + 72);
    m.psize = m.free_db.pad;
    m.last_pg = Load<std::uint64_t>(meta + 120);
    m.txnid = Load<std::uint64_t>(meta + 128);
    m.valid = true;
    return m;
  }

  bool Read(std::uint64_t offset, unsigned char* out, std::size_t n) const {
    if (offset > file_size_ || n > file_size_ - offset) return false;
    std::size_t done = 0;
    while (done < n) {
      const ssize_t r = pread(fd_, out + done, n - done, static_cast<off_t>(offset + done));
      if (r <= 0) return false;
      done += static_cast<std::size_t>(r);
    }
    return true;
  }

  struct Counts {
    std::uint64_t branch = 0, leaf = 0, overflow = 0, entries = 0;
  };

  Result<void> Tree(const Db& db, bool free_list) {
    const char* name = free_list ? "free-list" : "main";
    if (db.root == kInvalidPage) {
      if (db.depth != 0 || db.entries != 0 || db.branch_pages != 0 || db.leaf_pages != 0 ||
          db.overflow_pages != 0) {
        return Bad(std::string(name) + " tree: counts on an empty tree");
      }
      return {};
    }
    Counts counts;
    int depth = 0;
    if (auto r = Page(db.root, 1, free_list, counts, depth); !r) return r;
    if (depth != db.depth || counts.branch != db.branch_pages || counts.leaf != db.leaf_pages ||
        counts.overflow != db.overflow_pages || counts.entries != db.entries) {
      return Bad(std::string(name) + " tree: counts do not match its pages");
    }
    return {};
  }

  // Checks page `pgno` at `level` (1 = root) and below; `depth` receives the leaf level.
  Result<void> Page(std::uint64_t pgno, int level, bool free_list, Counts& counts, int& depth) {
    if (level > kMaxDepth) return Bad("tree too deep");
    if (pgno < 2 || pgno > last_pg_)
      return Bad("page number " + std::to_string(pgno) + " out of range");
    if (!seen_.insert(pgno).second) return Bad("page " + std::to_string(pgno) + " reached twice");
    std::vector<unsigned char> p(psize_);
    if (!Read(pgno * psize_, p.data(), psize_))
      return Bad("page " + std::to_string(pgno) + " unreadable");
    const std::string where = "page " + std::to_string(pgno) + ": ";
    if (Load<std::uint64_t>(p.data()) != pgno) return Bad(where + "wrong page number");
    const std::uint16_t flags = Load<std::uint16_t>(p.data() + 10);
    const std::size_t lower = Load<std::uint16_t>(p.data() + 12);
    const std::size_t upper = Load<std::uint16_t>(p.data() + 14);
    if (flags != kBranch && flags != kLeaf) return Bad(where + "not a branch or leaf page");
    if (lower < kPageHeader || lower > upper || upper > psize_ || (lower - kPageHeader) % 2 != 0) {
      return Bad(where + "bad free-space bounds");
    }
    const std::size_t keys = (lower - kPageHeader) / 2;
    if (flags == kBranch && keys < 2) return Bad(where + "branch with fewer than two keys");
    if (flags == kLeaf && keys == 0 && level > 1) return Bad(where + "empty leaf below the root");
    if (flags == kBranch) ++counts.branch;
    if (flags == kLeaf) {
      ++counts.leaf;
      if (depth != 0 && depth != level) return Bad(where + "leaves at different depths");
      depth = level;
    }
    for (std::size_t i = 0; i < keys; ++i) {
      const std::size_t node = Load<std::uint16_t>(p.data() + kPageHeader + 2 * i);
      if (node < upper || node + kNodeHeader > psize_)
        return Bad(where + "node offset out of range");
      const unsigned char* n = p.data() + node;
      const std::uint64_t lo = Load<std::uint16_t>(n), hi = Load<std::uint16_t>(n + 2);
      const std::uint16_t node_flags = Load<std::uint16_t>(n + 4);
      const std::size_t ksize = Load<std::uint16_t>(n + 6);
      if (node + kNodeHeader + ksize > psize_) return Bad(where + "key past the page");
      if (flags == kBranch) {
        const std::uint64_t child = lo | (hi << 16) | (std::uint64_t{node_flags} << 32);
        if (auto r = Page(child, level + 1, free_list, counts, depth); !r) return r;
        continue;
      }
      ++counts.entries;
      const std::uint64_t dsize = lo | (hi << 16);
      if (free_list && ksize != sizeof(std::uint64_t))
        return Bad(where + "free-list key is not a transaction id");
      if ((node_flags & ~kBigData) != 0) return Bad(where + "unexpected node flags");
      std::vector<unsigned char> big;
      const unsigned char* data = n + kNodeHeader + ksize;
      if (node_flags & kBigData) {
        if (node + kNodeHeader + ksize + 8 > psize_)
          return Bad(where + "overflow pointer past the page");
        const std::uint64_t first = Load<std::uint64_t>(data);
        if (auto r = OverflowRun(first, dsize, counts); !r) return r;
        if (free_list) {
          big.resize(dsize);
          if (!Read(first * psize_ + kPageHeader, big.data(), big.size()))
            return Bad(where + "overflow unreadable");
          data = big.data();
        }
      } else if (node + kNodeHeader + ksize + dsize > psize_) {
        return Bad(where + "value past the page");
      }
      if (free_list) {
        // A list of free page numbers: [count, page...].
        if (dsize < sizeof(std::uint64_t)) return Bad(where + "short free-list entry");
        const std::uint64_t count = Load<std::uint64_t>(data);
        if (count > (dsize / sizeof(std::uint64_t)) - 1)
          return Bad(where + "free-list count past its entry");
        for (std::uint64_t k = 1; k <= count; ++k) {
          const std::uint64_t free_page = Load<std::uint64_t>(data + k * sizeof(std::uint64_t));
          if (free_page < 2 || free_page > last_pg_) return Bad(where + "free page out of range");
        }
      }
    }
    return {};
  }

  Result<void> OverflowRun(std::uint64_t first, std::uint64_t dsize, Counts& counts) {
    if (first < 2 || first > last_pg_) return Bad("overflow page out of range");
    unsigned char header[kPageHeader];
    if (!Read(first * psize_, header, sizeof header)) return Bad("overflow page unreadable");
    const std::uint64_t pages = Load<std::uint32_t>(header + 12);
    if (Load<std::uint64_t>(header) != first || Load<std::uint16_t>(header + 10) != kOverflow) {
      return Bad("overflow page " + std::to_string(first) + " has a bad header");
    }
    if (pages == 0 || pages > last_pg_ - first + 1 || kPageHeader + dsize > pages * psize_) {
      return Bad("overflow run of page " + std::to_string(first) + " does not fit its value");
    }
    for (std::uint64_t q = first; q < first + pages; ++q) {
      if (!seen_.insert(q).second)
        return Bad("overflow page " + std::to_string(q) + " reached twice");
    }
    counts.overflow += pages;
    return {};
  }

  int fd_;
  std::uint64_t file_size_;
  std::uint64_t psize_ = 0;
  std::uint64_t last_pg_ = 0;
  std::set<std::uint64_t> seen_;
};

}  // namespace

Result<void> CheckLmdbFile(const std::string& path) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return {};  // no file yet: LMDB creates it
  struct stat st {};
  Result<void> result;
  if (fstat(fd, &st) != 0) {
    result = Error{ErrorCode::kUnavailable, "cannot stat " + path};
  } else if (st.st_size != 0) {
    result = Checker(fd, static_cast<std::uint64_t>(st.st_size)).Run();
  }
  close(fd);
  return result;
}

}  // namespace aurora::sdk
