// Generated from DTDL v2 (shared/specs/dtdl/v2_DTDL.v2.md,
// "Semantic Type" table) by scripts/gen-dtdl-semantic-types; regenerate rather than edit by hand.

#include "QuantitativeTypes.hpp"

namespace twinbench::twins::dtdl {

const std::map<std::string, SemanticType, std::less<>>& semantic_types_v2() {
  static const std::map<std::string, SemanticType, std::less<>> table = {
      {"Acceleration", {"AccelerationUnit", {"centimetrePerSecondSquared", "gForce", "metrePerSecondSquared"}}},
      {"Angle", {"AngleUnit", {"degreeOfArc", "minuteOfArc", "radian", "secondOfArc", "turn"}}},
      {"AngularAcceleration", {"AngularAccelerationUnit", {"radianPerSecondSquared"}}},
      {"AngularVelocity", {"AngularVelocityUnit", {"degreePerSecond", "radianPerSecond", "revolutionPerMinute", "revolutionPerSecond"}}},
      {"Area", {"AreaUnit", {"acre", "hectare", "squareCentimetre", "squareFoot", "squareInch", "squareKilometre", "squareMetre", "squareMillimetre"}}},
      {"Capacitance", {"CapacitanceUnit", {"farad", "microfarad", "millifarad", "nanofarad", "picofarad"}}},
      {"Current", {"CurrentUnit", {"ampere", "microampere", "milliampere"}}},
      {"DataRate", {"DataRateUnit", {"bitPerSecond", "bytePerSecond", "exbibitPerSecond", "exbibytePerSecond", "gibibitPerSecond", "gibibytePerSecond", "kibibitPerSecond", "kibibytePerSecond", "mebibitPerSecond", "mebibytePerSecond", "tebibitPerSecond", "tebibytePerSecond", "yobibitPerSecond", "yobibytePerSecond", "zebibitPerSecond", "zebibytePerSecond"}}},
      {"DataSize", {"DataSizeUnit", {"bit", "byte", "exbibit", "exbibyte", "gibibit", "gibibyte", "kibibit", "kibibyte", "mebibit", "mebibyte", "tebibit", "tebibyte", "yobibit", "yobibyte", "zebibit", "zebibyte"}}},
      {"Density", {"DensityUnit", {"gramPerCubicMetre", "kilogramPerCubicMetre"}}},
      {"Distance", {"LengthUnit", {"astronomicalUnit", "centimetre", "foot", "inch", "kilometre", "metre", "micrometre", "mile", "millimetre", "nanometre", "nauticalMile"}}},
      {"ElectricCharge", {"ChargeUnit", {"coulomb"}}},
      {"Energy", {"EnergyUnit", {"electronvolt", "gigajoule", "joule", "kilojoule", "kilowattHour", "megaelectronvolt", "megajoule"}}},
      {"Force", {"ForceUnit", {"newton", "ounce", "pound", "ton"}}},
      {"Frequency", {"FrequencyUnit", {"gigahertz", "hertz", "kilohertz", "megahertz"}}},
      {"Humidity", {"DensityUnit", {"gramPerCubicMetre", "kilogramPerCubicMetre"}}},
      {"Illuminance", {"IlluminanceUnit", {"footcandle", "lux"}}},
      {"Inductance", {"InductanceUnit", {"henry", "microhenry", "millihenry"}}},
      {"Latitude", {"AngleUnit", {"degreeOfArc", "minuteOfArc", "radian", "secondOfArc", "turn"}}},
      {"Length", {"LengthUnit", {"astronomicalUnit", "centimetre", "foot", "inch", "kilometre", "metre", "micrometre", "mile", "millimetre", "nanometre", "nauticalMile"}}},
      {"Longitude", {"AngleUnit", {"degreeOfArc", "minuteOfArc", "radian", "secondOfArc", "turn"}}},
      {"Luminance", {"LuminanceUnit", {"candelaPerSquareMetre"}}},
      {"Luminosity", {"PowerUnit", {"gigawatt", "horsepower", "kilowatt", "kilowattHourPerYear", "megawatt", "microwatt", "milliwatt", "watt"}}},
      {"LuminousFlux", {"LuminousFluxUnit", {"lumen"}}},
      {"LuminousIntensity", {"LuminousIntensityUnit", {"candela"}}},
      {"MagneticFlux", {"MagneticFluxUnit", {"maxwell", "weber"}}},
      {"MagneticInduction", {"MagneticInductionUnit", {"tesla"}}},
      {"Mass", {"MassUnit", {"gram", "kilogram", "microgram", "milligram", "slug", "tonne"}}},
      {"MassFlowRate", {"MassFlowRateUnit", {"gramPerHour", "gramPerSecond", "kilogramPerHour", "kilogramPerSecond"}}},
      {"Power", {"PowerUnit", {"gigawatt", "horsepower", "kilowatt", "kilowattHourPerYear", "megawatt", "microwatt", "milliwatt", "watt"}}},
      {"Pressure", {"PressureUnit", {"bar", "inchesOfMercury", "inchesOfWater", "kilopascal", "millibar", "millimetresOfMercury", "pascal", "poundPerSquareInch"}}},
      {"RelativeHumidity", {"Unitless", {"percent", "unity"}}},
      {"Resistance", {"ResistanceUnit", {"kiloohm", "megaohm", "milliohm", "ohm"}}},
      {"SoundPressure", {"SoundPressureUnit", {"bel", "decibel"}}},
      {"Temperature", {"TemperatureUnit", {"degreeCelsius", "degreeFahrenheit", "kelvin"}}},
      {"Thrust", {"ForceUnit", {"newton", "ounce", "pound", "ton"}}},
      {"TimeSpan", {"TimeUnit", {"day", "hour", "microsecond", "millisecond", "minute", "nanosecond", "second", "year"}}},
      {"Torque", {"TorqueUnit", {"newtonMetre"}}},
      {"Velocity", {"VelocityUnit", {"centimetrePerSecond", "kilometrePerHour", "kilometrePerSecond", "knot", "metrePerHour", "metrePerSecond", "milePerHour", "milePerSecond"}}},
      {"Voltage", {"VoltageUnit", {"kilovolt", "megavolt", "microvolt", "millivolt", "volt"}}},
      {"Volume", {"VolumeUnit", {"cubicCentimetre", "cubicFoot", "cubicInch", "cubicMetre", "fluidOunce", "gallon", "litre", "millilitre"}}},
      {"VolumeFlowRate", {"VolumeFlowRateUnit", {"litrePerHour", "litrePerSecond", "millilitrePerHour", "millilitrePerSecond"}}},
  };
  return table;
}

}  // namespace twinbench::twins::dtdl
