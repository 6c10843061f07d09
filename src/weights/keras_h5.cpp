// Keras .h5 weights through the HDF5 C library. Layout Keras writes (save_weights):
//   /                      attrs layer_names = [b"input_1", b"block1_conv1", …], backend, keras_version
//   /block1_conv1          attr  weight_names = [b"block1_conv1/kernel:0", b"block1_conv1/bias:0"]
//   /block1_conv1/block1_conv1/kernel:0   float32 [3,3,in,out] (HWIO)
//   /block1_pool           attr  weight_names = [] (an empty float64 array)
// model.save puts the same tree under /model_weights. Names longer than HDF5's 64 KiB attribute
// limit are split into layer_names0, layer_names1, … (Keras' save_attributes_to_hdf5_group).
#include "weights/keras_h5.h"

#include <ATen/ATen.h>
#include <hdf5.h>

#include <cctype>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <utility>

#include "nst/error.h"
#include "nst/network.h"

namespace nst::detail {
namespace {

constexpr uint64_t kMaxElements = uint64_t{1} << 30;  // 4 GiB of float32; VGG's largest is 103M
constexpr size_t kMaxNames = 1u << 20;
constexpr size_t kMaxNameBytes = 1u << 16;
constexpr const char kSignature[] = "\x89HDF\r\n\x1a\n";

[[noreturn]] void bad(const std::string& what) { fail(ErrorKind::kFormat, "keras h5: " + what); }

// An HDF5 identifier closed on scope exit.
class Handle {
 public:
  Handle(hid_t id, herr_t (*close)(hid_t)) : id_(id), close_(close) {}
  Handle(Handle&& other) noexcept : id_(other.id_), close_(other.close_) { other.id_ = -1; }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  Handle& operator=(Handle&& other) noexcept {
    std::swap(id_, other.id_);
    std::swap(close_, other.close_);
    return *this;
  }
  ~Handle() {
    if (id_ >= 0) close_(id_);
  }
  hid_t get() const { return id_; }
  bool ok() const { return id_ >= 0; }

 private:
  hid_t id_;
  herr_t (*close_)(hid_t);
};

// HDF5 prints its error stack to stderr by default; nst reports its own one-line errors.
class SilenceHdf5Errors {
 public:
  SilenceHdf5Errors() {
    H5Eget_auto2(H5E_DEFAULT, &func_, &data_);
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  }
  ~SilenceHdf5Errors() { H5Eset_auto2(H5E_DEFAULT, func_, data_); }

 private:
  H5E_auto2_t func_ = nullptr;
  void* data_ = nullptr;
};

// File-image callbacks: the property list borrows the caller's buffer (the default would copy
// it there, and again into the file), and the core driver gets one copy of its own. That copy
// matters: a corrupt file can leave a half-closed file inside HDF5 (its close fails), and that
// must not point into a buffer the caller frees. The file is read-only, so it never grows.
struct ImageSpan {
  const uint8_t* data;
  size_t size;
};
void* image_malloc(size_t size, H5FD_file_image_op_t op, void* udata) {
  if (op == H5FD_FILE_IMAGE_OP_FILE_OPEN) return std::malloc(size);
  auto* span = static_cast<ImageSpan*>(udata);
  return size == span->size ? const_cast<uint8_t*>(span->data) : nullptr;
}
void* image_memcpy(void* dest, const void* src, size_t size, H5FD_file_image_op_t, void*) {
  if (dest != src) std::memcpy(dest, src, size);
  return dest;
}
void* image_realloc(void*, size_t, H5FD_file_image_op_t, void*) { return nullptr; }
herr_t image_free(void* ptr, H5FD_file_image_op_t op, void*) {
  if (op == H5FD_FILE_IMAGE_OP_FILE_CLOSE) std::free(ptr);
  return 0;
}
void* udata_copy(void* udata) { return udata; }
herr_t udata_free(void*) { return 0; }

Handle open_image(const uint8_t* data, size_t size, ImageSpan* span) {
  Handle fapl(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
  H5FD_file_image_callbacks_t callbacks{image_malloc, image_memcpy, image_realloc, image_free,
                                        udata_copy, udata_free, span};
  if (!fapl.ok() || H5Pset_fapl_core(fapl.get(), /*increment=*/64 << 10, /*backing_store=*/false) < 0 ||
      H5Pset_file_image_callbacks(fapl.get(), &callbacks) < 0 ||
      H5Pset_file_image(fapl.get(), const_cast<uint8_t*>(data), size) < 0) {
    bad("cannot set up an in-memory HDF5 file");
  }
  // The name only labels the image (the core driver touches no disk), but HDF5 treats two open
  // core files with the same name as one file: a unique name keeps a half-closed corrupt file
  // from being handed back for the next image.
  static uint64_t opened = 0;
  const std::string name = "nst-keras-image-" + std::to_string(++opened) + ".h5";
  Handle file(H5Fopen(name.c_str(), H5F_ACC_RDONLY, fapl.get()), H5Fclose);
  if (!file.ok()) bad("the HDF5 library cannot open the file (truncated or corrupt; " + std::to_string(size) + " bytes)");
  return file;
}

bool has_attribute(hid_t object, const char* name) { return H5Aexists(object, name) > 0; }

// A 1-D (or scalar) attribute of strings, fixed or variable length. An empty array of any type
// is an empty list: Keras writes weight_names=[] for pooling layers as an empty float64 array.
std::vector<std::string> read_strings(hid_t object, const std::string& name, const std::string& where) {
  const std::string what = "attribute '" + name + "' of '" + where + "'";
  Handle attr(H5Aopen(object, name.c_str(), H5P_DEFAULT), H5Aclose);
  if (!attr.ok()) bad("cannot open " + what);
  Handle space(H5Aget_space(attr.get()), H5Sclose);
  Handle type(H5Aget_type(attr.get()), H5Tclose);
  if (!space.ok() || !type.ok()) bad("cannot read the type of " + what);
  const int rank = H5Sget_simple_extent_ndims(space.get());
  const hssize_t count = H5Sget_simple_extent_npoints(space.get());
  if (rank < 0 || rank > 1 || count < 0 || static_cast<uint64_t>(count) > kMaxNames) {
    bad(what + " should be a 1-D array of strings (rank " + std::to_string(rank) + ", " + std::to_string(count) +
        " elements)");
  }
  std::vector<std::string> out;
  if (count == 0) return out;
  if (H5Tget_class(type.get()) != H5T_STRING) bad(what + " should hold strings");
  const size_t n = static_cast<size_t>(count);
  if (H5Tis_variable_str(type.get()) > 0) {
    Handle mem(H5Tcopy(H5T_C_S1), H5Tclose);
    if (!mem.ok() || H5Tset_size(mem.get(), H5T_VARIABLE) < 0 || H5Tset_cset(mem.get(), H5Tget_cset(type.get())) < 0) {
      bad("cannot read " + what);
    }
    std::vector<char*> ptrs(n, nullptr);
    if (H5Aread(attr.get(), mem.get(), ptrs.data()) < 0) bad("cannot read " + what);
    for (char* p : ptrs) out.emplace_back(p ? std::string(p, strnlen(p, kMaxNameBytes)) : std::string());
    H5Dvlen_reclaim(mem.get(), space.get(), H5P_DEFAULT, ptrs.data());
  } else {
    const size_t width = H5Tget_size(type.get());
    if (width == 0 || width > kMaxNameBytes) bad(what + " has strings of " + std::to_string(width) + " bytes");
    std::vector<char> buffer(n * width);
    if (H5Aread(attr.get(), type.get(), buffer.data()) < 0) bad("cannot read " + what);
    for (size_t i = 0; i < n; ++i) out.emplace_back(buffer.data() + i * width, strnlen(buffer.data() + i * width, width));
  }
  return out;
}

// `name`, or its chunks name0, name1, … when Keras had to split a long list.
std::vector<std::string> read_string_list(hid_t object, const std::string& name, const std::string& where) {
  if (has_attribute(object, name.c_str())) return read_strings(object, name, where);
  std::vector<std::string> out;
  for (size_t chunk = 0; has_attribute(object, (name + std::to_string(chunk)).c_str()); ++chunk) {
    for (auto& s : read_strings(object, name + std::to_string(chunk), where)) out.push_back(std::move(s));
    if (out.size() > kMaxNames) bad("attribute '" + name + "' of '" + where + "' is implausibly long");
  }
  return out;
}

std::string shape_string(const std::vector<int64_t>& dims) {
  std::string s = "[";
  for (size_t i = 0; i < dims.size(); ++i) s += (i ? "," : "") + std::to_string(dims[i]);
  return s + "]";
}

// A dataset whose type and shape have been checked, not yet read.
struct Dataset {
  std::string path;  // full HDF5 path, for messages
  std::vector<int64_t> dims;
  Handle id{-1, H5Dclose};
};

Dataset probe(hid_t group, const std::string& name, const std::string& path, size_t file_size) {
  Dataset d;
  d.path = path;
  d.id = Handle(H5Dopen2(group, name.c_str(), H5P_DEFAULT), H5Dclose);
  if (!d.id.ok()) bad("dataset '" + path + "' (listed in weight_names) is missing or not a dataset");
  Handle type(H5Dget_type(d.id.get()), H5Tclose);
  Handle space(H5Dget_space(d.id.get()), H5Sclose);
  if (!type.ok() || !space.ok()) bad("cannot read the type of dataset '" + path + "'");
  const size_t item = H5Tget_size(type.get());
  if (H5Tget_class(type.get()) != H5T_FLOAT || (item != 2 && item != 4 && item != 8)) {
    bad("dataset '" + path + "' has a non-float dtype (class " + std::to_string(H5Tget_class(type.get())) + ", " +
        std::to_string(item) + " bytes); expected float32 or float64");
  }
  const int rank = H5Sget_simple_extent_ndims(space.get());
  if (rank < 0 || rank > 8) bad("dataset '" + path + "' has an invalid rank " + std::to_string(rank));
  hsize_t dims[8] = {};
  if (H5Sget_simple_extent_dims(space.get(), dims, nullptr) != rank) bad("cannot read the shape of dataset '" + path + "'");
  uint64_t numel = 1;
  for (int i = 0; i < rank; ++i) {
    if (dims[i] > kMaxElements) bad("dataset '" + path + "' has an implausible dimension " + std::to_string(dims[i]));
    d.dims.push_back(static_cast<int64_t>(dims[i]));
    numel *= dims[i];
    if (numel > kMaxElements) bad("dataset '" + path + "' has an implausibly large shape");
  }
  // A contiguous dataset's bytes are all in the file; checking their count before allocating
  // keeps a tiny hostile file from asking for gigabytes (chunked data may be compressed).
  Handle plist(H5Dget_create_plist(d.id.get()), H5Pclose);
  const bool contiguous = plist.ok() && H5Pget_layout(plist.get()) == H5D_CONTIGUOUS;
  const uint64_t bytes = numel * item, stored = H5Dget_storage_size(d.id.get());
  if ((contiguous && stored != bytes) || (!contiguous && bytes > 64 * static_cast<uint64_t>(file_size))) {
    bad("dataset '" + path + "' stores " + std::to_string(stored) + " bytes, its shape " + shape_string(d.dims) +
        " needs " + std::to_string(bytes));
  }
  return d;
}

at::Tensor read(const Dataset& d) {
  at::Tensor t = at::empty(d.dims, at::kFloat);
  // HDF5 converts float64/float16 and big-endian data to native float32 on the way.
  if (t.numel() && H5Dread(d.id.get(), H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, t.data_ptr<float>()) < 0) {
    bad("cannot read dataset '" + d.path + "' (corrupt data)");
  }
  return t;
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// "block1_conv1/kernel:0" -> kernel; "block1_conv1_W_1:0", "block1_conv1_W:0" -> kernel; same for bias.
enum class Role { kKernel, kBias, kOther };
Role role_of(const std::string& weight_name) {
  std::string base = weight_name.substr(weight_name.rfind('/') + 1);
  const size_t colon = base.rfind(':');
  if (colon != std::string::npos) base.resize(colon);
  size_t end = base.size();
  while (end > 0 && std::isdigit(static_cast<unsigned char>(base[end - 1]))) --end;  // _W_1 -> _W_
  if (end < base.size() && end > 0 && base[end - 1] == '_') base.resize(end - 1);
  if (base == "kernel" || ends_with(base, "_W")) return Role::kKernel;
  if (base == "bias" || ends_with(base, "_b")) return Role::kBias;
  return Role::kOther;
}

// blockN_convM -> convN_M (keras.applications' VGG names); "" for other names.
std::string vgg_name(const std::string& layer) {
  size_t i = 5;
  if (layer.compare(0, 5, "block") != 0) return "";
  const size_t n0 = i;
  while (i < layer.size() && std::isdigit(static_cast<unsigned char>(layer[i]))) ++i;
  if (i == n0 || layer.compare(i, 5, "_conv") != 0) return "";
  const std::string block = layer.substr(n0, i - n0);
  i += 5;
  const size_t m0 = i;
  while (i < layer.size() && std::isdigit(static_cast<unsigned char>(layer[i]))) ++i;
  if (i == m0 || i != layer.size()) return "";
  return "conv" + block + "_" + layer.substr(m0);
}

struct Conv {
  std::string layer, vgg;
  at::Tensor weight, bias;
};

// One layer group: its conv kernel and bias, or nothing for a layer without a 4-D kernel.
bool read_conv(hid_t group, const std::string& layer, const std::string& where, size_t file_size, Conv& conv) {
  const std::vector<std::string> names = read_string_list(group, "weight_names", where);
  if (names.empty()) return false;
  Dataset kernel, bias;
  for (const std::string& name : names) {
    Dataset d = probe(group, name, where + "/" + name, file_size);
    Role role = role_of(name);
    if (role == Role::kOther) role = d.dims.size() == 4 ? Role::kKernel : d.dims.size() == 1 ? Role::kBias : Role::kOther;
    Dataset& slot = role == Role::kKernel ? kernel : bias;
    if (role == Role::kOther || slot.id.ok()) continue;  // e.g. batch-norm statistics
    slot = std::move(d);
  }
  conv.layer = layer;
  conv.vgg = vgg_name(layer);
  if (!kernel.id.ok() || kernel.dims.size() != 4) {
    if (conv.vgg.empty()) return false;  // Dense, BatchNormalization, …: not part of the features
    if (!kernel.id.ok()) bad("layer '" + where + "' has no kernel among its weight_names");
    bad("dataset '" + kernel.path + "' has shape " + shape_string(kernel.dims) +
        ", expected a 4-D HWIO kernel [kh,kw,in,out]");
  }
  const int64_t out = kernel.dims[3];
  if (bias.id.ok() && bias.dims != std::vector<int64_t>{out}) {
    const bool theano = bias.dims == std::vector<int64_t>{kernel.dims[0]};
    bad("dataset '" + bias.path + "' has shape " + shape_string(bias.dims) + ", expected [" + std::to_string(out) +
        "] to match the HWIO kernel " + shape_string(kernel.dims) +
        (theano ? " (this looks like a Theano-ordered file, *_th_dim_ordering_*.h5; use the tf_dim_ordering one)" : ""));
  }
  conv.weight = read(kernel).permute({3, 2, 0, 1}).contiguous();  // HWIO -> OIHW
  conv.bias = bias.id.ok() ? read(bias) : at::zeros({out});       // use_bias=False
  return true;
}

}  // namespace

bool has_hdf5_signature(const uint8_t* data, size_t size) {
  for (size_t offset = 0; offset <= size && size - offset >= 8; offset = offset ? offset * 2 : 512) {
    if (std::memcmp(data + offset, kSignature, 8) == 0) return true;
  }
  return false;
}

StateDict parse_keras_h5(const uint8_t* data, size_t size) {
  if (!has_hdf5_signature(data, size)) bad("no HDF5 signature at offset 0, 512, 1024, …");
  static std::mutex hdf5_mutex;  // Debian's serial libhdf5 is not thread-safe
  std::lock_guard<std::mutex> lock(hdf5_mutex);
  // After a corrupt file HDF5's exit-time shutdown can fail to close its leftovers and prints
  // "HDF5: infinite loop closing library"; the OS reclaims the memory anyway. Must precede the
  // library's initialisation, i.e. every other H5 call.
  static std::once_flag no_atexit;
  std::call_once(no_atexit, [] { H5dont_atexit(); });
  SilenceHdf5Errors silence;
  ImageSpan span{data, size};
  Handle file = open_image(data, size, &span);
  Handle root(H5Gopen2(file.get(), "/", H5P_DEFAULT), H5Gclose);
  if (!root.ok()) bad("cannot open the root group");
  std::string prefix;
  Handle weights(-1, H5Gclose);
  if (!has_attribute(root.get(), "layer_names") && !has_attribute(root.get(), "layer_names0")) {
    if (H5Lexists(root.get(), "model_weights", H5P_DEFAULT) <= 0) {
      bad("no 'layer_names' attribute on / and no /model_weights group (not a Keras 1/2 weights file; "
          "Keras 3 .weights.h5 files are not supported)");
    }
    weights = Handle(H5Gopen2(root.get(), "model_weights", H5P_DEFAULT), H5Gclose);
    if (!weights.ok()) bad("/model_weights is not a group");
    prefix = "/model_weights";
  }
  const hid_t top = weights.ok() ? weights.get() : root.get();
  const std::vector<std::string> layers = read_string_list(top, "layer_names", prefix.empty() ? "/" : prefix);
  if (layers.empty()) bad("attribute 'layer_names' of '" + (prefix.empty() ? "/" : prefix) + "' is missing or empty");
  std::vector<Conv> convs;
  for (const std::string& layer : layers) {
    const std::string where = prefix + "/" + layer;
    Handle group(H5Gopen2(top, layer.c_str(), H5P_DEFAULT), H5Gclose);
    if (!group.ok()) bad("group '" + where + "' (listed in layer_names) is missing");
    if (!has_attribute(group.get(), "weight_names") && !has_attribute(group.get(), "weight_names0")) {
      bad("group '" + where + "' has no 'weight_names' attribute");
    }
    Conv conv;
    if (read_conv(group.get(), layer, where, size, conv)) convs.push_back(std::move(conv));
  }
  if (convs.empty()) bad("no layer has a 4-D convolution kernel (" + std::to_string(layers.size()) + " layers)");
  // keras.applications names VGG layers blockN_convM; a model built by hand has conv2d_1, …
  // and those are VGG layers only by position.
  bool all_vgg = true;
  for (const Conv& c : convs) all_vgg = all_vgg && !c.vgg.empty();
  std::vector<std::string> positional;
  if (!all_vgg && (convs.size() == 16 || convs.size() == 13)) {
    positional = conv_layer_names(convs.size() == 16 ? VggArch::kVgg19 : VggArch::kVgg16);
  }
  StateDict out;
  for (size_t i = 0; i < convs.size(); ++i) {
    const std::string key = all_vgg ? convs[i].vgg : positional.empty() ? convs[i].layer : positional[i];
    for (const auto& [k, t] : out) {
      if (k == key + ".weight") bad("two layers map to " + key + " ('" + convs[i].layer + "')");
    }
    out.emplace_back(key + ".weight", convs[i].weight);
    out.emplace_back(key + ".bias", convs[i].bias);
  }
  return out;
}

}  // namespace nst::detail
