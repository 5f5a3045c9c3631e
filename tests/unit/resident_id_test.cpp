#include <catch2/catch.hpp>

#include <algorithm>
#include <iterator>
#include <string>
#include <string_view>

#include "admit/resident_id.hpp"

using admit::Gender;
using admit::ResidentIdError;

namespace {

std::string with_check(std::string body17) {
  const char c = admit::resident_id_check_character(body17);
  REQUIRE(c != '\0');
  return body17 + c;
}

}  // namespace

TEST_CASE("ResidentId: check character vectors (ISO 7064 MOD 11-2)", "[resident_id]") {
  CHECK(admit::resident_id_check_character("34052419800101001") == 'X');
  CHECK(admit::resident_id_check_character("37010119010203997") == '3');
  CHECK(admit::resident_id_check_character("11010519491231002") == 'X');
  CHECK(admit::resident_id_check_character("44052418800101001") == '4');
  CHECK(admit::resident_id_check_character("11010120170831001") == '1');
  CHECK(admit::resident_id_check_character("11010120170901002") == '9');
  CHECK(admit::resident_id_check_character("00000000000000000") == '1');  // S = 0 -> '1'
}

TEST_CASE("ResidentId: check character needs exactly 17 ASCII digits", "[resident_id]") {
  CHECK(admit::resident_id_check_character("") == '\0');
  CHECK(admit::resident_id_check_character("3405241980010100") == '\0');
  CHECK(admit::resident_id_check_character("340524198001010011") == '\0');
  CHECK(admit::resident_id_check_character("3405241980010100X") == '\0');
  CHECK(admit::resident_id_check_character("34052419800101 01") == '\0');
  CHECK(admit::resident_id_check_character(std::string_view("3405241980010100\0", 17)) == '\0');
}

TEST_CASE("ResidentId: valid 18-character numbers", "[resident_id]") {
  const char* valid[] = {"34052419800101001X", "370101190102039973", "11010519491231002X",
                         "440524188001010014", "110101201708310011", "110101201709010029"};
  for (const char* id : valid) {
    INFO(id);
    CHECK(admit::validate_resident_id(id) == ResidentIdError::none);
    CHECK(admit::is_valid_resident_id(id));
  }
}

TEST_CASE("ResidentId: birth date and gender", "[resident_id]") {
  SECTION("18 characters: birth date at positions 7-14, gender from the 17th digit") {
    const auto date = admit::resident_id_birth_date("110101201708310011");
    REQUIRE(date.has_value());
    CHECK(date->to_string() == "2017-08-31");
    CHECK(admit::resident_id_gender("110101201708310011") == Gender::male);  // ...001: odd

    const auto date2 = admit::resident_id_birth_date("110101201709010029");
    REQUIRE(date2.has_value());
    CHECK(date2->to_string() == "2017-09-01");
    CHECK(admit::resident_id_gender("110101201709010029") == Gender::female);  // ...002: even

    CHECK(admit::resident_id_birth_date("34052419800101001X")->to_string() == "1980-01-01");
    CHECK(admit::resident_id_gender("34052419800101001X") == Gender::male);
    CHECK(admit::resident_id_birth_date("11010519491231002X")->to_string() == "1949-12-31");
    CHECK(admit::resident_id_gender("11010519491231002X") == Gender::female);
    CHECK(admit::resident_id_birth_date("370101190102039973")->to_string() == "1901-02-03");
    CHECK(admit::resident_id_gender("370101190102039973") == Gender::male);  // 7 odd
    CHECK(admit::resident_id_birth_date("440524188001010014")->to_string() == "1880-01-01");
  }

  SECTION("every sequence digit maps to the documented gender") {
    for (char g = '0'; g <= '9'; ++g) {
      const std::string id = with_check(std::string("1101012017083100") + g);
      INFO(id);
      REQUIRE(admit::is_valid_resident_id(id));
      CHECK(admit::resident_id_gender(id) == ((g - '0') % 2 == 1 ? Gender::male : Gender::female));
    }
  }

  SECTION("29 February only in leap years") {
    const std::string leap = with_check("11010120200229002");
    CHECK(admit::validate_resident_id(leap) == ResidentIdError::none);
    CHECK(admit::resident_id_birth_date(leap)->to_string() == "2020-02-29");
    CHECK(admit::validate_resident_id(with_check("11010120210229001")) == ResidentIdError::bad_birth_date);
  }

  SECTION("invalid numbers have no birth date or gender") {
    for (const char* id : {"", "110101201708310012", "11010120170230001X", "110101201708310011 ", "1101012017083100x1"}) {
      INFO(id);
      CHECK_FALSE(admit::resident_id_birth_date(id).has_value());
      CHECK_FALSE(admit::resident_id_gender(id).has_value());
    }
  }
}

TEST_CASE("ResidentId: errors", "[resident_id]") {
  SECTION("wrong length") {
    for (const char* id : {"", "1", "11010120170831001", "1101012017083100111", "11010117083100", "1101011708310011"}) {
      INFO(id);
      CHECK(admit::validate_resident_id(id) == ResidentIdError::wrong_length);
    }
  }

  SECTION("bad character") {
    CHECK(admit::validate_resident_id("34052419800101001x") == ResidentIdError::bad_character);  // lowercase x
    CHECK(admit::validate_resident_id("3405241980010100X1") == ResidentIdError::bad_character);  // X not last
    CHECK(admit::validate_resident_id("X40524198001010014") == ResidentIdError::bad_character);
    CHECK(admit::validate_resident_id("34052419800101001 ") == ResidentIdError::bad_character);
    CHECK(admit::validate_resident_id(" 34052419800101001") == ResidentIdError::bad_character);
    CHECK(admit::validate_resident_id("34052419800101001Y") == ResidentIdError::bad_character);
    CHECK(admit::validate_resident_id("340524-9800101001X") == ResidentIdError::bad_character);
    CHECK(admit::validate_resident_id(std::string_view("34052419800101001\0", 18)) == ResidentIdError::bad_character);
    CHECK(admit::validate_resident_id("11010117083100X") == ResidentIdError::bad_character);  // legacy: digits only
    CHECK(admit::validate_resident_id("1101011708310a1") == ResidentIdError::bad_character);
    // Characters are checked before the date: a letter in the date field is bad_character.
    CHECK(admit::validate_resident_id("1101012017O831001X") == ResidentIdError::bad_character);
  }

  SECTION("bad birth date (checked before the check character)") {
    const std::string feb30 = with_check("11010120170230001");
    CHECK(feb30 == "110101201702300015");
    CHECK(admit::validate_resident_id(feb30) == ResidentIdError::bad_birth_date);
    CHECK(admit::validate_resident_id("110101201702300011") == ResidentIdError::bad_birth_date);  // also wrong check
    CHECK(admit::validate_resident_id(with_check("11010120171301001")) == ResidentIdError::bad_birth_date);
    CHECK(admit::validate_resident_id(with_check("11010120170001001")) == ResidentIdError::bad_birth_date);
    CHECK(admit::validate_resident_id(with_check("11010120170100001")) == ResidentIdError::bad_birth_date);
    CHECK(admit::validate_resident_id(with_check("11010120170431001")) == ResidentIdError::bad_birth_date);
    CHECK(admit::validate_resident_id(with_check("11010100000101001")) == ResidentIdError::bad_birth_date);
  }

  SECTION("bad check character") {
    CHECK(admit::validate_resident_id("340524198001010010") == ResidentIdError::bad_check_character);
    CHECK(admit::validate_resident_id("370101190102039974") == ResidentIdError::bad_check_character);
    CHECK(admit::validate_resident_id("44052418800101001X") == ResidentIdError::bad_check_character);
    CHECK(admit::validate_resident_id("110101201708310012") == ResidentIdError::bad_check_character);
    // Every wrong last character is caught.
    const std::string body = "11010120170831001";
    for (const char c : std::string_view("0123456789X")) {
      const ResidentIdError expected = c == '1' ? ResidentIdError::none : ResidentIdError::bad_check_character;
      CHECK(admit::validate_resident_id(body + c) == expected);
    }
    // A single-digit typo in the body changes the check character.
    std::string typo = "110101201708310011";
    typo[3] = '2';
    CHECK(admit::validate_resident_id(typo) == ResidentIdError::bad_check_character);
  }

  SECTION("messages") {
    CHECK(admit::to_string(ResidentIdError::bad_check_character) == "wrong check character");
    CHECK(admit::to_string(ResidentIdError::none) == "valid");
    for (auto e : {ResidentIdError::wrong_length, ResidentIdError::bad_character, ResidentIdError::bad_birth_date}) {
      CHECK_FALSE(admit::to_string(e).empty());
    }
    CHECK_FALSE(admit::to_string(static_cast<ResidentIdError>(200)).empty());
  }
}

TEST_CASE("ResidentId: legacy 15-digit numbers", "[resident_id]") {
  CHECK(admit::validate_resident_id("110101170831001") == ResidentIdError::none);
  CHECK(admit::resident_id_birth_date("110101170831001")->to_string() == "1917-08-31");
  CHECK(admit::resident_id_gender("110101170831001") == Gender::male);  // 15th digit 1
  CHECK(admit::resident_id_gender("340524800101002") == Gender::female);
  CHECK(admit::resident_id_birth_date("340524800101002")->to_string() == "1980-01-01");
  CHECK(admit::validate_resident_id("340524000229003") == ResidentIdError::bad_birth_date);  // 1900 not leap
  CHECK(admit::validate_resident_id("340524960229003") == ResidentIdError::none);
  CHECK(admit::validate_resident_id("340524991301001") == ResidentIdError::bad_birth_date);
  CHECK(admit::validate_resident_id("340524990100001") == ResidentIdError::bad_birth_date);
}

TEST_CASE("ResidentId: masking", "[resident_id]") {
  CHECK(admit::mask_resident_id("370702201703150012") == "3707**********0012");
  CHECK(admit::mask_resident_id("34052419800101001X") == "3405**********001X");
  CHECK(admit::mask_resident_id("110101170831001") == "1101*******1001");
  CHECK(admit::mask_resident_id("") == "");
  CHECK(admit::mask_resident_id("1") == "*");
  CHECK(admit::mask_resident_id("12345678") == "********");
  CHECK(admit::mask_resident_id("123456789") == "1234*6789");
  CHECK(admit::mask_resident_id("not an id at all") == "not ******** all");

  SECTION("non-ASCII input is fully masked bytewise") {
    const std::string chinese = "张三370702201703150012";  // 6 bytes of UTF-8 + 18 digits
    const std::string masked = admit::mask_resident_id(chinese);
    CHECK(masked == std::string(chinese.size(), '*'));
    CHECK(admit::mask_resident_id("37070220170315001\xC3") == std::string(18, '*'));
    CHECK(admit::mask_resident_id("\x80") == "*");
  }

  SECTION("never reveals more than 8 characters") {
    std::string id;
    for (int n = 0; n < 40; ++n) {
      const std::string masked = admit::mask_resident_id(id);
      REQUIRE(masked.size() == id.size());
      std::size_t revealed = 0;
      for (char c : masked) revealed += c != '*';
      CHECK(revealed <= 8);
      id.push_back(static_cast<char>('a' + n % 26));
    }
  }

  SECTION("allocation-free variant writes a prefix of the mask") {
    const std::string_view id = "370702201703150012";
    char buf[32];
    std::fill(std::begin(buf), std::end(buf), '#');
    CHECK(admit::mask_resident_id_to(id, buf, sizeof buf) == 18);
    CHECK(std::string(buf, 18) == "3707**********0012");
    CHECK(buf[18] == '#');  // no NUL, nothing beyond the count

    std::fill(std::begin(buf), std::end(buf), '#');
    CHECK(admit::mask_resident_id_to(id, buf, 6) == 6);
    CHECK(std::string(buf, 7) == "3707**#");

    CHECK(admit::mask_resident_id_to(id, buf, 0) == 0);
    CHECK(admit::mask_resident_id_to("", buf, sizeof buf) == 0);
    CHECK(admit::mask_resident_id_to("1234", buf, sizeof buf) == 4);
    CHECK(std::string(buf, 4) == "****");
  }
}

TEST_CASE("ID numbers inside free text are masked, other numbers kept", "[resident_id][privacy]") {
  CHECK(admit::mask_resident_ids_in_text("record 12: id 370702201703150012 is not eligible") ==
        "record 12: id 3707**********0012 is not eligible");
  CHECK(admit::mask_resident_ids_in_text("legacy 370702170315001, bad 11010120170901002X!") ==
        "legacy 3707*******5001, bad 1101**********002X!");
  CHECK(admit::mask_resident_ids_in_text("points 1234567890123456 stay") == "points 1234567890123456 stay");
  CHECK(admit::printable_value("370702201703150012") == "3707**********0012");
  CHECK(admit::printable_value("phone 123456 ok") == "phone ****** ok");
  CHECK(admit::printable_value(std::string(100, 'a')).size() < 60);
}
