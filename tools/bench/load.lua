-- wrk script for tools/bench/load: every request settles a new bill (a durable write), or with
-- ONESTOP_PATH=/v1/echo sends the same body to the echo route as the baseline.
local path = os.getenv("ONESTOP_PATH") or "/v1/settlements"
local auth = "Bearer " .. (os.getenv("ONESTOP_KEY") or "")
local run = os.getenv("ONESTOP_RUN") or "0"
local patients = {}
for id in string.gmatch(os.getenv("ONESTOP_PATIENTS") or "P0010000", "[^,]+") do
  patients[#patients + 1] = id
end

local threads = 0
function setup(thread)
  thread:set("thread_no", threads)
  threads = threads + 1
end

local body = [[{"hospital_id":"H2","bill_no":"%s","patient":{"id":"%s"},"referral":false,]] ..
  [["admitted_on":"2020-03-02","discharged_on":"2020-03-12","diagnoses":["F20.0"],"items":[]] ..
  [[{"code":"X001","name":"bed","class":"A","amount":"1200.00"},]] ..
  [[{"code":"X002","name":"drug","class":"B","amount":"350.50","over_limit":"20.00"},]] ..
  [[{"code":"X003","name":"ct","class":"A","amount":"980.00"},]] ..
  [[{"code":"X004","name":"lab","class":"A","amount":"436.20"},]] ..
  [[{"code":"X005","name":"drug2","class":"B","amount":"2210.35"},]] ..
  [[{"code":"X006","name":"op","class":"A","amount":"12000.00","over_limit":"800.00"},]] ..
  [[{"code":"X007","name":"implant","class":"C","amount":"3400.00"},]] ..
  [[{"code":"X008","name":"nursing","class":"A","amount":"640.00"},]] ..
  [[{"code":"X009","name":"drug3","class":"B","amount":"125.75"},]] ..
  [[{"code":"X010","name":"meals","class":"C","amount":"210.00"}]}]]

local n = 0
function request()
  n = n + 1
  local bill = string.format("L%s-%d-%d", run, thread_no, n)
  local patient = patients[(n + thread_no) % #patients + 1]
  return wrk.format("POST", path, {["Content-Type"] = "application/json", ["Authorization"] = auth},
                    string.format(body, bill, patient))
end
