// Sends a plain-text mail through an SMTP server (libcurl). Blocking: for the alert sender's own
// thread.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "core/error.h"

namespace hookd::ops {

struct SmtpOptions {
  std::string url;  // smtp://host:port (STARTTLS when `starttls`) or smtps://host:port (TLS)
  std::string from = "hookd@localhost";
  std::string username, password;  // login when set
  bool starttls = false;           // require STARTTLS on smtp://
  std::string ca_file;             // PEM CAs to verify the server against (default: the system's)
  std::chrono::seconds timeout{30};
};

// Fails with the server's or the connection's error.
core::Status SendMail(const SmtpOptions& options, const std::vector<std::string>& to,
                      const std::string& subject, const std::string& body);

}  // namespace hookd::ops
