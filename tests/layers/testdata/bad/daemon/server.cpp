// Fixture: the daemon including the command line, an internal header of extract, and a
// header that is nowhere.
#include "store.hpp"
#include "loader/rule_files.hpp"
#include "clients/sample_files.hpp"
#include "extract/csv_reader.hpp"
#include "daemon/missing.hpp"
