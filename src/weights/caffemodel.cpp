// Caffe .caffemodel: NetParameter -> layers -> (name, type, blobs), with the real caffe.proto
// field numbers (tests/fixtures/caffe_subset.proto has the subset used here):
//   NetParameter      name=1, layers=2 (V1LayerParameter), layer=100 (LayerParameter)
//   LayerParameter    name=1, type=2 (string), blobs=7
//   V1LayerParameter  layer=1 (V0LayerParameter), name=4, type=5 (enum, CONVOLUTION=4), blobs=6
//   V0LayerParameter  name=1, type=2 (string, "conv"), blobs=50
//   BlobProto         num=1 channels=2 height=3 width=4 (legacy 4-D shape), data=5 (float),
//                     shape=7 (BlobShape: dim=1, int64), double_data=8
#include "weights/caffemodel.h"

#include <ATen/ATen.h>

#include <cctype>
#include <cstring>

#include "nst/error.h"
#include "weights/protobuf_wire.h"

namespace nst::detail {
namespace {

constexpr uint32_t kV1ConvolutionType = 4;   // V1LayerParameter.LayerType.CONVOLUTION
constexpr uint64_t kMaxElements = uint64_t{1} << 32;

struct Blob {
  std::vector<int64_t> shape;
  std::vector<float> data;
};

// A layer's name and type, and where its blobs are; blobs are decoded only for kept layers,
// because VGG's fc6 alone holds 400 MB of floats nst never uses.
struct Layer {
  std::string name;
  std::string type;        // V2/V0 string, or the V1 enum value as a number
  bool conv_type = false;  // Convolution (V2), CONVOLUTION (V1), conv (V0)
  std::vector<WireField> blobs;
  WireReader reader{nullptr, 0, ""};
};

std::string shape_string(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? "," : "") + std::to_string(shape[i]);
  return s + "]";
}

Blob parse_blob(WireReader r, const std::string& what) {
  Blob b;
  int64_t legacy[4] = {0, 0, 0, 0};
  bool has_legacy = false, has_shape = false;
  WireField f;
  while (r.next(f)) {
    if (f.number >= 1 && f.number <= 4) {
      NST_CHECK(f.type == WireType::kVarint, kFormat, what + ": legacy dimension field has the wrong wire type");
      legacy[f.number - 1] = static_cast<int32_t>(f.value);  // int32 on the wire
      has_legacy = true;
    } else if (f.number == 5) {
      append_floats(f, b.data, what);
    } else if (f.number == 8) {
      append_doubles(f, b.data, what);
    } else if (f.number == 7) {
      WireReader shape = r.nested(f, what + " shape");
      WireField d;
      while (shape.next(d)) {
        if (d.number == 1) append_int64s(d, b.shape, what + " shape");
      }
      has_shape = true;
    }  // diff (6), double_diff (9): gradients, not needed
  }
  if (!has_shape) {
    if (has_legacy) {
      b.shape.assign(legacy, legacy + 4);
    } else {
      b.shape = {static_cast<int64_t>(b.data.size())};
    }
  }
  uint64_t numel = 1;
  for (int64_t d : b.shape) {
    NST_CHECK(d >= 0 && static_cast<uint64_t>(d) <= kMaxElements, kFormat,
              what + " has an invalid shape " + shape_string(b.shape));
    // Checked before multiplying: 2^32 * 2^32 wraps to 0.
    NST_CHECK(d == 0 || numel <= kMaxElements / static_cast<uint64_t>(d), kFormat,
              what + " has an implausibly large shape " + shape_string(b.shape));
    numel *= static_cast<uint64_t>(d);
  }
  NST_CHECK(numel == b.data.size(), kFormat,
            what + " has " + std::to_string(b.data.size()) + " values, its shape " + shape_string(b.shape) + " needs " +
                std::to_string(numel));
  return b;
}

// name=name_field, type=type_field (string), blobs=blob_field; V1 gives its type as an enum.
Layer read_layer(WireReader r, uint32_t name_field, uint32_t type_field, uint32_t blob_field, bool enum_type) {
  Layer layer;
  layer.reader = r;
  WireField f;
  WireReader v0{nullptr, 0, ""};
  bool has_v0 = false;
  while (r.next(f)) {
    if (f.number == name_field) {
      layer.name = wire_string(f, "caffemodel layer name");
    } else if (f.number == type_field) {
      if (enum_type) {
        NST_CHECK(f.type == WireType::kVarint, kFormat, "caffemodel V1 layer type has the wrong wire type");
        layer.type = std::to_string(f.value);
        layer.conv_type = f.value == kV1ConvolutionType;
      } else {
        layer.type = wire_string(f, "caffemodel layer type");
        layer.conv_type = layer.type == "Convolution" || layer.type == "conv";
      }
    } else if (f.number == blob_field) {
      NST_CHECK(f.type == WireType::kLengthDelimited, kFormat,
                "caffemodel layer '" + layer.name + "': blob field has the wrong wire type");
      layer.blobs.push_back(f);
    } else if (enum_type && f.number == 1) {
      v0 = r.nested(f, "caffemodel V0 layer");
      has_v0 = true;
    }
  }
  if (has_v0 && layer.blobs.empty()) {  // a V0 layer wrapped in V1 (files from 2014)
    Layer inner = read_layer(v0, /*name_field=*/1, /*type_field=*/2, /*blob_field=*/50, /*enum_type=*/false);
    inner.conv_type = inner.conv_type || layer.conv_type;
    if (!layer.name.empty()) inner.name = layer.name;
    return inner;
  }
  return layer;
}

// convN_M, as in every published VGG prototxt.
bool vgg_conv_name(const std::string& name) {
  size_t i = 4;
  if (name.compare(0, 4, "conv") != 0 || i >= name.size() || !std::isdigit(static_cast<unsigned char>(name[i]))) return false;
  while (i < name.size() && std::isdigit(static_cast<unsigned char>(name[i]))) ++i;
  if (i >= name.size() || name[i] != '_' || ++i >= name.size()) return false;
  while (i < name.size() && std::isdigit(static_cast<unsigned char>(name[i]))) ++i;
  return i == name.size();
}

at::Tensor to_tensor(const Blob& b) {
  at::Tensor t = at::empty(b.shape, at::kFloat);
  if (!b.data.empty()) std::memcpy(t.data_ptr<float>(), b.data.data(), b.data.size() * sizeof(float));
  return t;
}

void add_conv(StateDict& out, const Layer& layer) {
  const std::string what = "caffemodel layer '" + layer.name + "'";
  NST_CHECK(layer.blobs.size() <= 2, kFormat,
            what + " has " + std::to_string(layer.blobs.size()) + " blobs, expected weight and bias");
  Blob w = parse_blob(layer.reader.nested(layer.blobs[0], what + " blob 0"), what + " blob 0");
  // No empty dimension: out_channels then comes with as many stored values, not just a number
  // (an empty [2^32,0,1,1] kernel would ask for a 16 GB zero bias).
  NST_CHECK(w.shape.size() == 4 && w.shape[0] > 0 && w.shape[1] > 0 && w.shape[2] > 0 && w.shape[3] > 0, kFormat,
            what + " blob 0 has shape " + shape_string(w.shape) + ", expected a 4-D OIHW kernel [out,in,kh,kw]");
  const int64_t out_channels = w.shape[0];
  at::Tensor bias;
  if (layer.blobs.size() == 2) {
    Blob b = parse_blob(layer.reader.nested(layer.blobs[1], what + " blob 1"), what + " blob 1");
    NST_CHECK(static_cast<int64_t>(b.data.size()) == out_channels, kFormat,
              what + " blob 1 (bias) has shape " + shape_string(b.shape) + ", expected [" +
                  std::to_string(out_channels) + "]");
    b.shape = {out_channels};  // V1 stores biases as [1,1,1,out]
    bias = to_tensor(b);
  } else {
    bias = at::zeros({out_channels});  // bias_term: false
  }
  for (const auto& [key, t] : out) {
    NST_CHECK(key != layer.name + ".weight", kFormat, "caffemodel has two layers named '" + layer.name + "'");
  }
  out.emplace_back(layer.name + ".weight", to_tensor(w));
  out.emplace_back(layer.name + ".bias", bias);
}

}  // namespace

StateDict parse_caffemodel(const uint8_t* data, size_t size) {
  WireReader net(data, size, "caffemodel NetParameter");
  StateDict out;
  std::vector<std::string> skipped;
  size_t layers = 0;
  WireField f;
  while (net.next(f)) {
    Layer layer;
    if (f.number == 100) {
      layer = read_layer(net.nested(f, "caffemodel layer " + std::to_string(layers)), 1, 2, 7, false);
    } else if (f.number == 2) {
      layer = read_layer(net.nested(f, "caffemodel layer " + std::to_string(layers)), 4, 5, 6, true);
    } else {
      continue;  // name, inputs, state: nothing nst needs
    }
    ++layers;
    if ((layer.conv_type || vgg_conv_name(layer.name)) && !layer.blobs.empty()) {
      add_conv(out, layer);
    } else if (skipped.size() < 6) {
      skipped.push_back(layer.name.empty() ? "(unnamed)" : layer.name);
    }
  }
  NST_CHECK(layers > 0, kFormat, "caffemodel has no layers (NetParameter fields 2 and 100 are both absent)");
  if (out.empty()) {
    std::string names;
    for (const auto& n : skipped) names += (names.empty() ? "" : ", ") + n;
    fail(ErrorKind::kFormat, "caffemodel has no convolution layers with weights (" + std::to_string(layers) +
                                 " layers: " + names + (layers > skipped.size() ? ", ..." : "") + ")");
  }
  return out;
}

bool looks_like_caffemodel(const uint8_t* data, size_t size) {
  size_t pos = 0;
  uint64_t tag = 0, length = 0;
  if (!decode_varint(data, size, &pos, &tag) || (tag & 7) != 2) return false;
  const uint64_t number = tag >> 3;
  if (number != 1 && number != 2 && number != 100) return false;
  if (!decode_varint(data, size, &pos, &length) || length > size - pos) return false;
  if (number == 1) {
    // A net name, then another NetParameter field: layers(2), input(3), input_dim(4),
    // force_backward(5), state(6), debug_info(7), input_shape(8) or layer(100).
    if (length > 4096) return false;
    for (size_t i = 0; i < length; ++i) {
      if (data[pos + i] < 0x20 || data[pos + i] > 0x7e) return false;
    }
    pos += static_cast<size_t>(length);
    if (!decode_varint(data, size, &pos, &tag)) return false;
    const uint64_t next = tag >> 3, type = tag & 7;
    const bool message = next == 2 || next == 3 || next == 6 || next == 8 || next == 100;
    return message ? type == 2 : ((next == 4 || next == 5 || next == 7) && type == 0);
  }
  // A layer message: its first tag must be well-formed too.
  size_t inner = 0;
  if (length == 0 || !decode_varint(data + pos, static_cast<size_t>(length), &inner, &tag)) return false;
  const uint64_t type = tag & 7;
  return (tag >> 3) != 0 && (type == 0 || type == 1 || type == 2 || type == 5);
}

}  // namespace nst::detail
