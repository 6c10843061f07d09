#pragma once
// One table per options struct: each keyword the Python API takes, named like the CLI's long
// flag, with a getter (the struct's default becomes the keyword's documented default) and a
// setter (a keyword becomes the struct's value). Written once per field, so that the defaults
// Python shows and the values it sets cannot drift apart.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <functional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "nst/error.h"

namespace nst::python {

namespace py = pybind11;

/// "a,b" or ["a", "b"] -> {"a", "b"} (the CLI takes comma lists; Python may pass either).
std::vector<std::string> string_list(py::handle value, const std::string& name);

[[noreturn]] void wrong_type(const std::string& name, const std::string& type, py::handle value);

/// A Python value as T, or nst::Error(kUsage) naming the keyword and the expected type.
template <class T>
T from_python(py::handle value, const std::string& name, const std::string& type) {
  // Python bools are ints; a bool where a number is meant (or the reverse) is a mistake.
  if (py::isinstance<py::bool_>(value) != std::is_same_v<T, bool>) wrong_type(name, type, value);
  if constexpr (std::is_same_v<T, std::string>) {
    if (!py::isinstance<py::str>(value)) wrong_type(name, type, value);
  }
  try {
    return value.cast<T>();
  } catch (const py::cast_error&) {
    wrong_type(name, type, value);
  }
}

template <class Options>
class OptionTable {
 public:
  using Get = std::function<py::object(const Options&)>;
  using Set = std::function<void(Options&, py::handle)>;
  struct Field {
    std::string name, type, help;
    Get get;
    Set set;
  };

  /// A plain member (number, bool, string, list of numbers), of Options or of a base (RunOptions).
  template <class T, class Owner>
  OptionTable& value(const std::string& name, T Owner::*member, const std::string& type, const std::string& help) {
    static_assert(std::is_base_of_v<Owner, Options>);
    return custom(
        name, type, help, [member](const Options& o) { return py::cast(o.*member); },
        [member, name, type](Options& o, py::handle v) { o.*member = from_python<T>(v, name, type); });
  }
  /// A member of a nested struct (StyleOptions::optimizer.history).
  template <class Inner, class T, class Owner>
  OptionTable& value(const std::string& name, Inner Owner::*outer, T Inner::*member, const std::string& type,
                     const std::string& help) {
    static_assert(std::is_base_of_v<Owner, Options>);
    return custom(
        name, type, help, [outer, member](const Options& o) { return py::cast(o.*outer.*member); },
        [outer, member, name, type](Options& o, py::handle v) { o.*outer.*member = from_python<T>(v, name, type); });
  }
  /// A list of layer names: "a,b" or a list.
  OptionTable& layers(const std::string& name, std::vector<std::string> Options::*member, const std::string& help) {
    return custom(
        name, "list[str]", help, [member](const Options& o) { return py::cast(o.*member); },
        [member, name](Options& o, py::handle v) { o.*member = string_list(v, name); });
  }
  /// An enum spelled as the CLI spells it (parse/to_string from the library).
  template <class E, class Owner>
  OptionTable& choice(const std::string& name, E Owner::*member, E (*parse)(const std::string&),
                      std::string (*show)(E), const std::string& help) {
    static_assert(std::is_base_of_v<Owner, Options>);
    return custom(
        name, "str", help, [member, show](const Options& o) { return py::cast(show(o.*member)); },
        [member, parse, name](Options& o, py::handle v) { o.*member = parse(from_python<std::string>(v, name, "str")); });
  }
  OptionTable& custom(const std::string& name, const std::string& type, const std::string& help, Get get, Set set) {
    fields_.push_back({name, type, help, std::move(get), std::move(set)});
    return *this;
  }

  const std::vector<Field>& fields() const { return fields_; }

  /// {name: default} of `o`.
  py::dict to_dict(const Options& o) const {
    py::dict d;
    for (const Field& f : fields_) d[py::str(f.name)] = f.get(o);
    return d;
  }
  /// Sets every key of `values` that is not None; an unknown key is a usage error naming the valid ones.
  void apply(Options& o, const py::dict& values) const {
    for (auto [key, value] : values) {
      const std::string name = py::str(key);
      const Field* field = find(name);
      if (!field) fail(ErrorKind::kUsage, "unknown option '" + name + "'; valid: " + names());
      if (!value.is_none()) field->set(o, value);
    }
  }
  const Field* find(const std::string& name) const {
    for (const Field& f : fields_)
      if (f.name == name) return &f;
    return nullptr;
  }
  std::string names() const {
    std::string out;
    for (const Field& f : fields_) out += (out.empty() ? "" : ", ") + f.name;
    return out;
  }

 private:
  std::vector<Field> fields_;
};

/// Describes a table for Python: [(name, type, help)], in table order.
template <class Options>
py::list describe(const OptionTable<Options>& table) {
  py::list out;
  for (const auto& f : table.fields()) out.append(py::make_tuple(f.name, f.type, f.help));
  return out;
}

}  // namespace nst::python
