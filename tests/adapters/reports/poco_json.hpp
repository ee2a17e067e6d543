// The report tests read what the reports write with Poco's JSON parser: a reader independent
// of the one under test (adapters/codec/json_reader), with Poco's typed getters.
#pragma once

#include <Poco/Exception.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <string>
#include <string_view>

#include "engine/error.hpp"

namespace onestop::testing {

// The document's top-level object, or malformed_json with Poco's reason.
inline Result<Poco::JSON::Object::Ptr> poco_object(std::string_view text) {
  try {
    auto root = Poco::JSON::Parser().parse(std::string(text));
    return root.extract<Poco::JSON::Object::Ptr>();
  } catch (const Poco::Exception& e) {
    return Error{"malformed_json", "", e.displayText()};
  } catch (const std::exception& e) {
    return Error{"malformed_json", "", e.what()};
  }
}

}  // namespace onestop::testing
