#include "ssda903_spec.hpp"

namespace bandwatch::extract::returns {
namespace {

using Codes = std::vector<std::string_view>;

const Codes kRne = {"S", "L", "P", "T", "B", "U"};
const Codes kLegalStatus = {"C1", "C2", "D1", "E1", "V2", "V3", "V4", "L1", "L2", "L3", "J1", "J2", "J3"};
const Codes kCategoryOfNeed = {"N1", "N2", "N3", "N4", "N5", "N6", "N7", "N8"};
const Codes kPlacementProvider = {"PR0", "PR1", "PR2", "PR3", "PR4", "PR5"};
const Codes kEthnicity = {"WBRI", "WIRI", "WOTH", "WIRT", "WROM", "MWBC", "MWBA", "MWAS", "MOTH", "AIND",
                          "APKN", "ABAN", "AOTH", "BCRB", "BAFR", "BOTH", "CHNE", "OOTH", "REFU", "NOBT"};
const Codes kFlag = {"0", "1"};
const Codes kReviewCode = {"PN0", "PN1", "PN2", "PN3", "PN4", "PN5", "PN6", "PN7"};
const Codes kMissing = {"M", "A"};
const Codes kInTouch = {"YES", "NO", "DIED", "REFU", "NREQ", "RHOM"};
const Codes kAccommodation = {"B1", "B2", "C1", "C2", "D1", "D2", "E1", "E2", "G1", "G2", "H1",
                              "H2", "K1", "K2", "R1", "R2", "S1", "S2", "T1", "T2", "U1", "U2",
                              "V1", "V2", "W1", "W2", "X1", "X2", "Y1", "Y2", "Z1", "Z2", "0"};
const Codes kSdqReason = {"SDQ1", "SDQ2", "SDQ3", "SDQ4", "SDQ5"};
const Codes kAdopterSex = {"M1", "F1", "MM", "FF", "MF"};
const Codes kAdopterLegalStatus = {"L0", "L11", "L12", "L2", "L3", "L4"};
const Codes kReasonPlacedCeased = {"RD1", "RD2", "RD3", "RD4"};
const Codes kPreviousPermanence = {"P1", "P2", "P3", "P4", "Z1"};
const Codes kSocialWorkerReason = {"MANAGE", "FCONTA", "LEFTRL", "ORGRST", "TSPROC",
                                   "ABSENC", "CHCHAN", "PCCHAN", "SWDIED", "OTHERS"};

Codes placement_types(int year) {
  Codes codes = {"A3", "A4", "A5", "A6", "H5", "K1", "K2", "P1", "P2", "P3", "R1", "R2", "R3", "R5",
                 "S1", "T0", "T1", "T2", "T3", "T4", "U1", "U2", "U3", "U4", "U5", "U6", "Z1"};
  if (year >= 2025) {
    // 2025: H5 and P2 withdrawn, K3 added; 2026: the Z11-Z14 placement types.
    codes = {"A3", "A4", "A5", "A6", "K1", "K2", "K3", "P1", "P3", "R1", "R2", "R3", "R5", "S1",
             "T0", "T1", "T2", "T3", "T4", "U1", "U2", "U3", "U4", "U5", "U6", "Z1"};
    if (year >= 2026) codes.insert(codes.end(), {"Z11", "Z12", "Z13", "Z14"});
  }
  return codes;
}

Codes reasons_episode_ceased(int year) {
  if (year < 2019)
    return {"X1", "E11", "E12", "E2", "E3", "E4A", "E4B", "E13", "E41", "E43",
            "E44", "E5", "E6", "E7", "E9", "E14", "E15", "E16", "E17", "E8"};
  // 2019: E43 and E44 split into E45-E48.
  return {"X1", "E11", "E12", "E2", "E3", "E4A", "E4B", "E13", "E41", "E45", "E46",
          "E47", "E48", "E5", "E6", "E7", "E9", "E14", "E15", "E16", "E17", "E8"};
}

Codes reasons_placement_changed(int year) {
  Codes codes = {"CARPL", "CLOSE", "ALLEG", "STAND", "APPRR", "CREQB", "CREQO", "CHILD", "LAREQ", "PLACE", "OTHER"};
  if (year >= 2019) codes.push_back("CUSTOD");
  return codes;
}

Codes activities(int year) {
  if (year < 2022) return {"F1", "P1", "F2", "P2", "F3", "P3", "G4", "G5", "G6", "0"};
  return {"F1", "P1", "F2", "P2", "F4", "P4", "F5", "P5", "G4", "G5", "G6", "0"};
}

Codes sexes(int year, bool uasc) {
  if (year < 2025) return {"1", "2"};
  // 2025: M, F, U; the UASC table still accepts the old 1 and 2.
  if (uasc) return {"M", "F", "U", "1", "2"};
  return {"M", "F", "U"};
}

ColumnSpec text(std::string_view name, bool required) { return {name, FieldKind::text, required, {}}; }
ColumnSpec date(std::string_view name, bool required) { return {name, FieldKind::date, required, {}}; }
ColumnSpec code(std::string_view name, bool required, Codes codes) {
  return {name, FieldKind::code, required, std::move(codes)};
}
ColumnSpec integer(std::string_view name, bool required) { return {name, FieldKind::integer, required, {}}; }

}  // namespace

std::vector<TableSpec> ssda903_tables(int year) {
  if (year < kSsda903FirstYear || year > kSsda903LastYear) return {};
  std::vector<TableSpec> tables;
  tables.push_back({"header", "ETHNIC",
                    {text("CHILD", true), code("SEX", true, sexes(year, false)), date("DOB", true),
                     code("ETHNIC", true, kEthnicity), text("UPN", false), code("MOTHER", false, kFlag),
                     date("MC_DOB", false)}});
  tables.push_back({"episodes", "DECOM",
                    {text("CHILD", true), date("DECOM", true), code("RNE", true, kRne), code("LS", true, kLegalStatus),
                     code("CIN", true, kCategoryOfNeed), code("PLACE", true, placement_types(year)),
                     code("PLACE_PROVIDER", false, kPlacementProvider), date("DEC", false),
                     code("REC", false, reasons_episode_ceased(year)),
                     code("REASON_PLACE_CHANGE", false, reasons_placement_changed(year)), text("HOME_POST", false),
                     text("PL_POST", false), text("URN", false)}});
  tables.push_back({"reviews", "REVIEW_CODE",
                    {text("CHILD", true), date("DOB", true), date("REVIEW", true), code("REVIEW_CODE", true, kReviewCode)}});
  tables.push_back({"uasc", "DUC", {text("CHILD", true), date("DOB", true), code("SEX", true, sexes(year, true)), date("DUC", false)}});
  tables.push_back({"oc2", "SDQ_SCORE",
                    {text("CHILD", true), date("DOB", true), integer("SDQ_SCORE", false), code("SDQ_REASON", false, kSdqReason),
                     code("CONVICTED", false, kFlag), code("HEALTH_CHECK", false, kFlag), code("IMMUNISATIONS", false, kFlag),
                     code("TEETH_CHECK", false, kFlag), code("HEALTH_ASSESSMENT", false, kFlag),
                     code("SUBSTANCE_MISUSE", false, kFlag), code("INTERVENTION_RECEIVED", false, kFlag),
                     code("INTERVENTION_OFFERED", false, kFlag)}});
  tables.push_back({"oc3", "IN_TOUCH",
                    {text("CHILD", true), date("DOB", true), code("IN_TOUCH", true, kInTouch),
                     code("ACTIV", true, activities(year)), code("ACCOM", true, kAccommodation)}});
  tables.push_back({"missing", "MIS_START",
                    {text("CHILD", true), date("DOB", true), code("MISSING", true, kMissing), date("MIS_START", true),
                     date("MIS_END", false)}});
  tables.push_back({"ad1", "DATE_INT",
                    {text("CHILD", true), date("DOB", true), date("DATE_INT", true), date("DATE_MATCH", true),
                     code("FOSTER_CARE", true, kFlag), integer("NB_ADOPTR", true), code("SEX_ADOPTR", true, kAdopterSex),
                     code("LS_ADOPTR", true, kAdopterLegalStatus)}});
  tables.push_back({"placed_adoption", "DATE_PLACED",
                    {text("CHILD", true), date("DOB", true), date("DATE_PLACED", true), date("DATE_PLACED_CEASED", false),
                     code("REASON_PLACED_CEASED", false, kReasonPlacedCeased)}});
  tables.push_back({"prev_perm", "PREV_PERM",
                    {text("CHILD", true), date("DOB", true), code("PREV_PERM", true, kPreviousPermanence),
                     text("LA_PERM", false), date("DATE_PERM", false)}});
  if (year >= 2024)
    tables.push_back({"social_worker", "SW_ID",
                      {text("CHILD", true), date("DOB", true), text("SW_ID", true), date("SW_DECOM", true),
                       date("SW_DEC", false), code("SW_REASON", false, kSocialWorkerReason)}});
  return tables;
}

std::vector<std::string_view> ssda903_eet_codes(int year) {
  if (year < 2022) return {"F1", "P1", "F2", "P2", "F3", "P3"};
  return {"F1", "P1", "F2", "P2", "F4", "P4", "F5", "P5"};
}

}  // namespace bandwatch::extract::returns
