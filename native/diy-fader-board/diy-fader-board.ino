// faderd DIY fader board: reference sketch for an Arduino Mega 2560.
//
// 8 motorised 10 kOhm linear faders with touch-sensing knobs, a MUTE and a SOLO button with LED per
// strip, and two bank buttons, speaking faderd's line protocol (mappings/diy-fader-board.yaml) over
// USB serial at 115200 baud. Protocol and wiring: README.md beside this file.
//
// Board -> faderd:  "F3 0.7500" fader moved by hand, "T3 1"/"T3 0" touch, "M3 1"/"M3 0" and
//                   "S3 1"/"S3 0" button press/release, "B- 1"/"B+ 1" bank, "H 1" once at start.
// faderd -> board:  "F3 0.7500" drive fader 3 there, "M3 1"/"M3 0" and "S3 1"/"S3 0" LEDs.
//
// The one rule that matters: a fader reports its position only while touched, or when it was moved
// while the motor was idle. A fader the motor is driving must not report, or every motor move would
// come back to faderd as a hand move.

#include <Arduino.h>

const uint8_t STRIPS = 8;

// Fader wipers (analog), motor driver pins (one TB6612FNG / L293D channel per fader), touch inputs
// (a TTP223 touch module per knob: HIGH while touched).
const uint8_t WIPER_PINS[STRIPS] = {A0, A1, A2, A3, A4, A5, A6, A7};
const uint8_t MOTOR_PWM_PINS[STRIPS] = {2, 3, 4, 5, 6, 7, 8, 9};
const uint8_t MOTOR_IN1_PINS[STRIPS] = {22, 24, 26, 28, 30, 32, 34, 36};
const uint8_t MOTOR_IN2_PINS[STRIPS] = {23, 25, 27, 29, 31, 33, 35, 37};
const uint8_t TOUCH_PINS[STRIPS] = {38, 39, 40, 41, 42, 43, 44, 45};

// Buttons on three chained 74HC165 (24 inputs: MUTE 1-8, SOLO 1-8, bank -, bank +, 6 spare), active
// low with pull-ups. LEDs on two chained 74HC595 (MUTE 1-8, SOLO 1-8).
const uint8_t SR_CLOCK_PIN = 10;
const uint8_t BTN_LOAD_PIN = 11;
const uint8_t BTN_DATA_PIN = 12;
const uint8_t LED_LATCH_PIN = 13;
const uint8_t LED_DATA_PIN = 46;
const uint8_t BTN_BANK_LEFT = 16;
const uint8_t BTN_BANK_RIGHT = 17;

// Motor control: proportional drive toward the target, with a dead zone where the motor stops.
const int ADC_MAX = 1023;
const int DEAD_ZONE = 6;         // ADC steps: close enough
const int MIN_PWM = 90;          // below this a typical fader motor stalls
const int MAX_PWM = 255;
const unsigned long MOTOR_TIMEOUT_MS = 600;  // give up on a target a stuck fader cannot reach
const int REPORT_DEADBAND = 3;   // ADC steps a hand move must exceed to be reported
const unsigned long REPORT_INTERVAL_MS = 10;
const unsigned long DEBOUNCE_MS = 8;

struct Fader {
  int target = -1;               // ADC position the motor drives to; -1 = idle
  unsigned long motorSince = 0;
  int reported = 0;              // last position sent (or set by faderd)
  unsigned long reportedAt = 0;
  bool touched = false;
};

Fader faders[STRIPS];
uint32_t buttonState = 0xFFFFFF; // active low
uint32_t buttonChangedAt[24];
uint16_t leds = 0;
char line[32];                   // 31 characters and the terminating 0
uint8_t lineLength = 0;
bool lineTooLong = false;

uint32_t readButtons() {
  digitalWrite(BTN_LOAD_PIN, LOW);
  delayMicroseconds(5);
  digitalWrite(BTN_LOAD_PIN, HIGH);
  uint32_t bits = 0;
  for (int8_t k = 23; k >= 0; k--) {
    bits |= (uint32_t)digitalRead(BTN_DATA_PIN) << k;
    digitalWrite(SR_CLOCK_PIN, HIGH);
    digitalWrite(SR_CLOCK_PIN, LOW);
  }
  return bits;
}

void writeLeds() {
  digitalWrite(LED_LATCH_PIN, LOW);
  shiftOut(LED_DATA_PIN, SR_CLOCK_PIN, MSBFIRST, highByte(leds));
  shiftOut(LED_DATA_PIN, SR_CLOCK_PIN, MSBFIRST, lowByte(leds));
  digitalWrite(LED_LATCH_PIN, HIGH);
}

void motor(uint8_t s, int speed) {
  digitalWrite(MOTOR_IN1_PINS[s], speed > 0 ? HIGH : LOW);
  digitalWrite(MOTOR_IN2_PINS[s], speed < 0 ? HIGH : LOW);
  analogWrite(MOTOR_PWM_PINS[s], abs(speed));
}

void sendPosition(uint8_t s, int pos) {
  Serial.print('F');
  Serial.print(s + 1);
  Serial.print(' ');
  Serial.println((float)pos / ADC_MAX, 4);
  faders[s].reported = pos;
  faders[s].reportedAt = millis();
}

// One complete line from faderd: "F3 0.7500", "M3 1", "S3 0": a letter, the strip 1-8, one space and
// a number that is the whole rest of the line. Anything else ("F3 abc", "F9 0.5", "F3x 1") is ignored.
void handleLine(const char *text) {
  char kind = text[0];
  if (kind != 'F' && kind != 'M' && kind != 'S') return;
  if (text[1] < '1' || text[1] > '0' + STRIPS || text[2] != ' ') return;
  int strip = text[1] - '1';
  char *end = nullptr;
  float value = (float)strtod(text + 3, &end);
  if (end == text + 3 || *end != '\0') return;
  if (kind == 'F') {
    Fader &f = faders[strip];
    if (f.touched) return;       // the hand wins; faderd sends the position again on release
    f.target = constrain((int)(value * ADC_MAX + 0.5f), 0, ADC_MAX);
    f.motorSince = millis();
    f.reported = f.target;       // this is faderd's value: never report it back
  } else if (kind == 'M' || kind == 'S') {
    uint8_t bit = (kind == 'M' ? 0 : 8) + strip;
    if (value >= 0.5f) leds |= (1u << bit);
    else leds &= ~(1u << bit);
    writeLeds();
  }
}

// Lines of up to 31 characters (a \r before the \n does not count). A longer one is dropped whole, up
// to its \n: its tail must not be taken for a line of its own.
void readSerial() {
  while (Serial.available() > 0) {
    char c = (char)Serial.read();
    if (c == '\r') continue;
    if (c == '\n') {
      line[lineLength] = '\0';
      if (lineLength > 0 && !lineTooLong) handleLine(line);
      lineLength = 0;
      lineTooLong = false;
    } else if (lineTooLong) {
      continue;
    } else if (lineLength < sizeof(line) - 1) {
      line[lineLength++] = c;
    } else {
      lineTooLong = true;
    }
  }
}

void updateFader(uint8_t s) {
  Fader &f = faders[s];
  int pos = analogRead(WIPER_PINS[s]);
  bool touched = digitalRead(TOUCH_PINS[s]) == HIGH;
  if (touched != f.touched) {
    f.touched = touched;
    if (touched) {
      f.target = -1;             // let go of the motor at once
      motor(s, 0);
    }
    Serial.print('T');
    Serial.print(s + 1);
    Serial.println(touched ? " 1" : " 0");
  }
  if (f.target >= 0) {
    int error = f.target - pos;
    if (abs(error) <= DEAD_ZONE || millis() - f.motorSince > MOTOR_TIMEOUT_MS) {
      f.target = -1;
      motor(s, 0);
      f.reported = pos;          // where it stopped is where faderd put it
    } else {
      int speed = constrain(abs(error) * 4, MIN_PWM, MAX_PWM);
      motor(s, error > 0 ? speed : -speed);
    }
    return;
  }
  bool moved = abs(pos - f.reported) > REPORT_DEADBAND || (f.touched && pos != f.reported && (pos == 0 || pos == ADC_MAX));
  if (moved && millis() - f.reportedAt >= REPORT_INTERVAL_MS) sendPosition(s, pos);
}

void updateButtons() {
  uint32_t now = readButtons();
  uint32_t changed = now ^ buttonState;
  for (uint8_t k = 0; k < 24; k++) {
    if (!(changed & (1ul << k)) || millis() - buttonChangedAt[k] < DEBOUNCE_MS) continue;
    buttonChangedAt[k] = millis();
    buttonState ^= (1ul << k);
    bool pressed = !(now & (1ul << k));
    if (k < 16) {
      Serial.print(k < 8 ? 'M' : 'S');
      Serial.print(k % 8 + 1);
    } else if (k == BTN_BANK_LEFT) {
      Serial.print("B-");
    } else if (k == BTN_BANK_RIGHT) {
      Serial.print("B+");
    } else {
      continue;
    }
    Serial.println(pressed ? " 1" : " 0");
  }
}

void setup() {
  Serial.begin(115200);
  for (uint8_t s = 0; s < STRIPS; s++) {
    pinMode(MOTOR_PWM_PINS[s], OUTPUT);
    pinMode(MOTOR_IN1_PINS[s], OUTPUT);
    pinMode(MOTOR_IN2_PINS[s], OUTPUT);
    pinMode(TOUCH_PINS[s], INPUT);
    motor(s, 0);
    // Where the faders rest at power-up is not a mix: report only what a hand does from here on.
    faders[s].reported = analogRead(WIPER_PINS[s]);
  }
  pinMode(SR_CLOCK_PIN, OUTPUT);
  pinMode(BTN_LOAD_PIN, OUTPUT);
  pinMode(BTN_DATA_PIN, INPUT);
  pinMode(LED_LATCH_PIN, OUTPUT);
  pinMode(LED_DATA_PIN, OUTPUT);
  digitalWrite(BTN_LOAD_PIN, HIGH);
  writeLeds();
  buttonState = readButtons();
  // Opening the port reset the board: ask faderd for the whole mix again.
  Serial.println("H 1");
}

void loop() {
  readSerial();
  for (uint8_t s = 0; s < STRIPS; s++) updateFader(s);
  updateButtons();
}
