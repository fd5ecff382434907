// VK_EXT_debug_utils through the stock loader: Kiln reports the shader modules and pipelines it
// refuses to the application's messengers (ERROR, VALIDATION, naming the object), honours the
// messengers' filters, the messengers chained to VkInstanceCreateInfo, and object names.
//
// What the loader (1.3.239) does with the extension, measured: it advertises VK_EXT_debug_utils
// itself, and calls Kiln's vkCreate/DestroyDebugUtilsMessengerEXT, vkSetDebugUtilsObjectNameEXT and
// the label commands; it delivers vkSubmitDebugUtilsMessageEXT itself and never calls the driver's
// (tests/loader/icd_debug_utils_test.cpp calls that one through the ICD interface).
#include <atomic>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

#include "vk_test_util.h"

namespace kiln_test {
namespace {

constexpr VkDebugUtilsMessageSeverityFlagsEXT kAllSeverities =
    VK_DEBUG_UTILS_MESSAGE_SEVERITY_VERBOSE_BIT_EXT | VK_DEBUG_UTILS_MESSAGE_SEVERITY_INFO_BIT_EXT |
    VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT | VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT;
constexpr VkDebugUtilsMessageTypeFlagsEXT kAllTypes = VK_DEBUG_UTILS_MESSAGE_TYPE_GENERAL_BIT_EXT |
                                                      VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT |
                                                      VK_DEBUG_UTILS_MESSAGE_TYPE_PERFORMANCE_BIT_EXT;
constexpr const char* kModuleRefused = "Kiln-vkCreateShaderModule-refused";
constexpr const char* kPipelineRefused = "Kiln-vkCreateComputePipelines-refused";

std::vector<uint32_t> LoadSpirv(const char* name) {
  const std::string path = std::string(KILN_TEST_DEBUG_SHADER_DIR) + "/" + name;
  std::ifstream file(path, std::ios::binary);
  std::vector<char> bytes((std::istreambuf_iterator<char>(file)), {});
  if (bytes.size() < 20 || bytes.size() % 4 != 0) Fail("cannot read SPIR-V " + path);
  std::vector<uint32_t> words(bytes.size() / 4);
  std::memcpy(words.data(), bytes.data(), bytes.size());
  return words;
}

// One message as a messenger saw it, copied out of the callback data.
struct Message {
  VkDebugUtilsMessageSeverityFlagBitsEXT severity;
  VkDebugUtilsMessageTypeFlagsEXT types;
  std::string id;
  int32_t idNumber;
  std::string text;
  struct Object {
    VkObjectType type;
    uint64_t handle;
    bool named;
    std::string name;
  };
  std::vector<Object> objects;
};

// Every message one messenger hears (the callback may run on any thread).
class Inbox {
 public:
  static VKAPI_ATTR VkBool32 VKAPI_CALL Callback(VkDebugUtilsMessageSeverityFlagBitsEXT severity,
                                                 VkDebugUtilsMessageTypeFlagsEXT types,
                                                 const VkDebugUtilsMessengerCallbackDataEXT* data, void* self) {
    Message m{severity, types, data->pMessageIdName ? data->pMessageIdName : "", data->messageIdNumber,
              data->pMessage ? data->pMessage : "", {}};
    for (uint32_t i = 0; i < data->objectCount; ++i) {
      const VkDebugUtilsObjectNameInfoEXT& o = data->pObjects[i];
      m.objects.push_back({o.objectType, o.objectHandle, o.pObjectName != nullptr, o.pObjectName ? o.pObjectName : ""});
    }
    auto* inbox = static_cast<Inbox*>(self);
    std::lock_guard lock(inbox->mutex_);
    inbox->messages_.push_back(std::move(m));
    return VK_FALSE;
  }

  VkDebugUtilsMessengerCreateInfoEXT Info(VkDebugUtilsMessageSeverityFlagsEXT severities = kAllSeverities,
                                          VkDebugUtilsMessageTypeFlagsEXT types = kAllTypes) {
    auto info = Struct<VkDebugUtilsMessengerCreateInfoEXT>(VK_STRUCTURE_TYPE_DEBUG_UTILS_MESSENGER_CREATE_INFO_EXT);
    info.messageSeverity = severities;
    info.messageType = types;
    info.pfnUserCallback = &Callback;
    info.pUserData = this;
    return info;
  }

  // The messages with this message ID (the loader's own messages are left out this way).
  std::vector<Message> With(const std::string& id) {
    std::lock_guard lock(mutex_);
    std::vector<Message> found;
    for (const Message& m : messages_)
      if (m.id == id) found.push_back(m);
    return found;
  }
  void Clear() {
    std::lock_guard lock(mutex_);
    messages_.clear();
  }

 private:
  std::mutex mutex_;
  std::vector<Message> messages_;
};

// An instance with VK_EXT_debug_utils enabled, a device, and the extension's commands.
class DebugUtils : public ::testing::Test {
 protected:
  void SetUp() override {
    InstanceOptions options;
    options.extensions.push_back(VK_EXT_DEBUG_UTILS_EXTENSION_NAME);
    options.validation = false;  // the layer would see (and report) the invalid modules too
    instance_ = Instance::Create(options);
    device_ = Device::Create(*instance_);
    create_ = instance_->Proc<PFN_vkCreateDebugUtilsMessengerEXT>("vkCreateDebugUtilsMessengerEXT");
    destroy_ = instance_->Proc<PFN_vkDestroyDebugUtilsMessengerEXT>("vkDestroyDebugUtilsMessengerEXT");
    submit_ = instance_->Proc<PFN_vkSubmitDebugUtilsMessageEXT>("vkSubmitDebugUtilsMessageEXT");
    setName_ = device_->Proc<PFN_vkSetDebugUtilsObjectNameEXT>("vkSetDebugUtilsObjectNameEXT");
    ASSERT_NE(create_, nullptr);
    ASSERT_NE(destroy_, nullptr);
    ASSERT_NE(submit_, nullptr);
    ASSERT_NE(setName_, nullptr);
  }

  void TearDown() override {
    for (VkDebugUtilsMessengerEXT m : messengers_) destroy_(instance_->handle(), m, nullptr);
    device_.reset();
    instance_.reset();
  }

  VkDebugUtilsMessengerEXT Listen(const VkDebugUtilsMessengerCreateInfoEXT& info) {
    VkDebugUtilsMessengerEXT messenger = VK_NULL_HANDLE;
    KT_CHECK(create_(instance_->handle(), &info, nullptr, &messenger));
    messengers_.push_back(messenger);
    return messenger;
  }
  void StopListening(VkDebugUtilsMessengerEXT messenger) {
    destroy_(instance_->handle(), messenger, nullptr);
    messengers_.erase(std::remove(messengers_.begin(), messengers_.end(), messenger), messengers_.end());
  }

  VkResult CreateModule(const std::vector<uint32_t>& words, VkShaderModule* module) {
    auto info = Struct<VkShaderModuleCreateInfo>(VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO);
    info.codeSize = words.size() * 4;
    info.pCode = words.data();
    *module = VK_NULL_HANDLE;
    return vkCreateShaderModule(vk(), &info, nullptr, module);
  }

  // A pipeline layout with one storage image at set 0, binding 0 (what the test shaders declare).
  void CreateStorageImageLayout(VkDescriptorSetLayout* setLayout, VkPipelineLayout* layout) {
    auto binding = VkDescriptorSetLayoutBinding{0, VK_DESCRIPTOR_TYPE_STORAGE_IMAGE, 1, VK_SHADER_STAGE_COMPUTE_BIT, nullptr};
    auto setInfo = Struct<VkDescriptorSetLayoutCreateInfo>(VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO);
    setInfo.bindingCount = 1;
    setInfo.pBindings = &binding;
    KT_CHECK(vkCreateDescriptorSetLayout(vk(), &setInfo, nullptr, setLayout));
    auto layoutInfo = Struct<VkPipelineLayoutCreateInfo>(VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO);
    layoutInfo.setLayoutCount = 1;
    layoutInfo.pSetLayouts = setLayout;
    KT_CHECK(vkCreatePipelineLayout(vk(), &layoutInfo, nullptr, layout));
  }

  // A module that vkCreateShaderModule refuses: the first half of a valid one.
  VkResult CreateTruncatedModule() {
    std::vector<uint32_t> words = LoadSpirv("workgroup_sum.spv");
    words.resize(words.size() / 2);
    VkShaderModule module;
    return CreateModule(words, &module);
  }

  void Name(VkObjectType type, uint64_t handle, const char* name) {
    auto info = Struct<VkDebugUtilsObjectNameInfoEXT>(VK_STRUCTURE_TYPE_DEBUG_UTILS_OBJECT_NAME_INFO_EXT);
    info.objectType = type;
    info.objectHandle = handle;
    info.pObjectName = name;
    KT_CHECK(setName_(vk(), &info));
  }

  VkDevice vk() const { return device_->handle; }
  uint64_t DeviceHandle() const { return reinterpret_cast<uint64_t>(device_->handle); }

  std::unique_ptr<Instance> instance_;
  std::unique_ptr<Device> device_;
  PFN_vkCreateDebugUtilsMessengerEXT create_ = nullptr;
  PFN_vkDestroyDebugUtilsMessengerEXT destroy_ = nullptr;
  PFN_vkSubmitDebugUtilsMessageEXT submit_ = nullptr;
  PFN_vkSetDebugUtilsObjectNameEXT setName_ = nullptr;
  std::vector<VkDebugUtilsMessengerEXT> messengers_;
};

// Kiln's issue: a truncated module is refused at vkCreateShaderModule with an error and a message
// saying why; there is no module yet, so the message names the device.
TEST_F(DebugUtils, TruncatedModuleIsReportedAsAValidationError) {
  KT_REQUIRE_KILN();
  Inbox inbox;
  Listen(inbox.Info());
  EXPECT_EQ(CreateTruncatedModule(), VK_ERROR_INVALID_SHADER_NV);

  std::vector<Message> messages = inbox.With(kModuleRefused);
  ASSERT_EQ(messages.size(), 1u);
  const Message& m = messages[0];
  EXPECT_EQ(m.severity, VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT);
  EXPECT_EQ(m.types, VkDebugUtilsMessageTypeFlagsEXT(VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT));
  ASSERT_EQ(m.objects.size(), 1u);
  EXPECT_EQ(m.objects[0].type, VK_OBJECT_TYPE_DEVICE);
  EXPECT_EQ(m.objects[0].handle, DeviceHandle());
  EXPECT_FALSE(m.objects[0].named);
  EXPECT_NE(m.text.find("vkCreateShaderModule: SPIR-V refused: "), std::string::npos) << m.text;
  // The validation layer's layout: severity, [ message ID ], the objects, MessageID, the text.
  EXPECT_EQ(m.text.rfind("Kiln Error: [ Kiln-vkCreateShaderModule-refused ] Object 0: handle = 0x", 0), 0u) << m.text;
  EXPECT_NE(m.text.find("type = VK_OBJECT_TYPE_DEVICE; | MessageID = 0x"), std::string::npos) << m.text;
}

TEST_F(DebugUtils, UnsupportedCapabilityIsNamedInTheMessage) {
  KT_REQUIRE_KILN();
  Inbox inbox;
  Listen(inbox.Info(VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT, VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT));
  VkShaderModule module;
  EXPECT_EQ(CreateModule(LoadSpirv("atomic_float.spv"), &module), VK_ERROR_INVALID_SHADER_NV);

  std::vector<Message> messages = inbox.With(kModuleRefused);
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0].severity, VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT);
  EXPECT_NE(messages[0].text.find("SPIR-V refused: at word 7: capability AtomicFloat32AddEXT is not supported"), std::string::npos)
      << messages[0].text;
  ASSERT_EQ(messages[0].objects.size(), 1u);
  EXPECT_EQ(messages[0].objects[0].handle, DeviceHandle());

  // The same message ID has the same number every time (applications filter on it).
  EXPECT_EQ(CreateTruncatedModule(), VK_ERROR_INVALID_SHADER_NV);
  messages = inbox.With(kModuleRefused);
  ASSERT_EQ(messages.size(), 2u);
  EXPECT_EQ(messages[0].idNumber, messages[1].idNumber);
  EXPECT_NE(messages[0].idNumber, 0);
}

// A module Kiln accepts but cannot lower makes vkCreateComputePipelines fail; the failed pipeline
// is VK_NULL_HANDLE, the others are made, and the message names the module and the create info.
TEST_F(DebugUtils, RefusedPipelineNamesItsShaderModule) {
  KT_REQUIRE_KILN();
  Inbox inbox;
  Listen(inbox.Info());
  VkShaderModule runnable, refused;
  KT_CHECK(CreateModule(LoadSpirv("workgroup_sum.spv"), &runnable));
  KT_CHECK(CreateModule(LoadSpirv("cube_image_atomic.spv"), &refused));
  Name(VK_OBJECT_TYPE_SHADER_MODULE, reinterpret_cast<uint64_t>(refused), "cube image atomics");

  VkDescriptorSetLayout setLayout;
  VkPipelineLayout layout;
  CreateStorageImageLayout(&setLayout, &layout);

  VkComputePipelineCreateInfo infos[2];
  for (int i = 0; i < 2; ++i) {
    infos[i] = Struct<VkComputePipelineCreateInfo>(VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO);
    infos[i].stage = Struct<VkPipelineShaderStageCreateInfo>(VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO);
    infos[i].stage.stage = VK_SHADER_STAGE_COMPUTE_BIT;
    infos[i].stage.module = i == 0 ? runnable : refused;
    infos[i].stage.pName = "main";
    infos[i].layout = layout;
  }
  VkPipeline pipelines[2] = {VK_NULL_HANDLE, VK_NULL_HANDLE};
  EXPECT_EQ(vkCreateComputePipelines(vk(), VK_NULL_HANDLE, 2, infos, nullptr, pipelines), VK_ERROR_INVALID_SHADER_NV)
      << "Kiln now runs cube_image_atomic.comp: give this test a shader Kiln refuses at pipeline creation";
  EXPECT_NE(pipelines[0], VK_NULL_HANDLE);
  EXPECT_EQ(pipelines[1], VK_NULL_HANDLE);

  std::vector<Message> messages = inbox.With(kPipelineRefused);
  ASSERT_EQ(messages.size(), 1u);
  const Message& m = messages[0];
  EXPECT_EQ(m.severity, VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT);
  EXPECT_EQ(m.types, VkDebugUtilsMessageTypeFlagsEXT(VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT));
  ASSERT_EQ(m.objects.size(), 1u);
  EXPECT_EQ(m.objects[0].type, VK_OBJECT_TYPE_SHADER_MODULE);
  EXPECT_EQ(m.objects[0].handle, reinterpret_cast<uint64_t>(refused));
  EXPECT_EQ(m.objects[0].name, "cube image atomics");
  EXPECT_NE(m.text.find("vkCreateComputePipelines: pCreateInfos[1]: shader refused: "), std::string::npos) << m.text;
  EXPECT_NE(m.text.find("name = cube image atomics, type = VK_OBJECT_TYPE_SHADER_MODULE"), std::string::npos) << m.text;
  EXPECT_TRUE(inbox.With(kModuleRefused).empty());

  vkDestroyPipeline(vk(), pipelines[0], nullptr);
  vkDestroyPipelineLayout(vk(), layout, nullptr);
  vkDestroyDescriptorSetLayout(vk(), setLayout, nullptr);
  vkDestroyShaderModule(vk(), runnable, nullptr);
  vkDestroyShaderModule(vk(), refused, nullptr);
}

// "messageSeverity is a bitmask ... specifying which severity of event(s) will cause this callback
// to be called", and messageType likewise. A messenger that wants everything proves the message
// was sent.
TEST_F(DebugUtils, SeverityAndTypeFiltersExcludeTheMessage) {
  KT_REQUIRE_KILN();
  Inbox everything, notErrors, notValidation;
  Listen(everything.Info());
  Listen(notErrors.Info(kAllSeverities & ~VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT));
  Listen(notValidation.Info(kAllSeverities, kAllTypes & ~VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT));
  EXPECT_EQ(CreateTruncatedModule(), VK_ERROR_INVALID_SHADER_NV);
  EXPECT_EQ(everything.With(kModuleRefused).size(), 1u);
  EXPECT_TRUE(notErrors.With(kModuleRefused).empty());
  EXPECT_TRUE(notValidation.With(kModuleRefused).empty());
}

TEST_F(DebugUtils, DestroyedMessengerHearsNothing) {
  KT_REQUIRE_KILN();
  Inbox kept, destroyed;
  Listen(kept.Info());
  VkDebugUtilsMessengerEXT gone = Listen(destroyed.Info());
  EXPECT_EQ(CreateTruncatedModule(), VK_ERROR_INVALID_SHADER_NV);
  EXPECT_EQ(destroyed.With(kModuleRefused).size(), 1u);
  StopListening(gone);
  destroyed.Clear();
  EXPECT_EQ(CreateTruncatedModule(), VK_ERROR_INVALID_SHADER_NV);
  EXPECT_EQ(kept.With(kModuleRefused).size(), 2u);
  EXPECT_TRUE(destroyed.With(kModuleRefused).empty());
}

// The names given with vkSetDebugUtilsObjectNameEXT come back in pObjects (and in the text); a NULL
// name takes the name away.
TEST_F(DebugUtils, ObjectNamesAppearInMessages) {
  KT_REQUIRE_KILN();
  Inbox inbox;
  Listen(inbox.Info());
  Name(VK_OBJECT_TYPE_DEVICE, DeviceHandle(), "the test device");
  EXPECT_EQ(CreateTruncatedModule(), VK_ERROR_INVALID_SHADER_NV);
  Name(VK_OBJECT_TYPE_DEVICE, DeviceHandle(), nullptr);
  EXPECT_EQ(CreateTruncatedModule(), VK_ERROR_INVALID_SHADER_NV);

  std::vector<Message> messages = inbox.With(kModuleRefused);
  ASSERT_EQ(messages.size(), 2u);
  ASSERT_EQ(messages[0].objects.size(), 1u);
  EXPECT_TRUE(messages[0].objects[0].named);
  EXPECT_EQ(messages[0].objects[0].name, "the test device");
  EXPECT_NE(messages[0].text.find("name = the test device, type = VK_OBJECT_TYPE_DEVICE"), std::string::npos)
      << messages[0].text;
  ASSERT_EQ(messages[1].objects.size(), 1u);
  EXPECT_FALSE(messages[1].objects[0].named);
  EXPECT_EQ(messages[1].text.find("name ="), std::string::npos) << messages[1].text;
}

// A name belongs to its object: once the object is destroyed, a new object at the same address
// (so with the same handle) starts without a name. The modules' memory comes from one slot, so the
// second module is placed where the first one was.
TEST_F(DebugUtils, NameGoesWithItsObject) {
  KT_REQUIRE_KILN();
  struct Slot {
    alignas(64) unsigned char bytes[4096];
    bool used = false;
    static void* VKAPI_CALL Allocate(void* self, size_t size, size_t alignment, VkSystemAllocationScope) {
      auto* slot = static_cast<Slot*>(self);
      if (slot->used || size > sizeof slot->bytes || alignment > 64) return nullptr;
      slot->used = true;
      return slot->bytes;
    }
    static void* VKAPI_CALL Reallocate(void*, void*, size_t, size_t, VkSystemAllocationScope) { return nullptr; }
    static void VKAPI_CALL Free(void* self, void* p) {
      if (p) static_cast<Slot*>(self)->used = false;
    }
  };
  auto slot = std::make_unique<Slot>();
  const VkAllocationCallbacks callbacks{slot.get(), &Slot::Allocate, &Slot::Reallocate, &Slot::Free, nullptr, nullptr};

  Inbox inbox;
  Listen(inbox.Info());
  const std::vector<uint32_t> words = LoadSpirv("cube_image_atomic.spv");
  auto moduleInfo = Struct<VkShaderModuleCreateInfo>(VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO);
  moduleInfo.codeSize = words.size() * 4;
  moduleInfo.pCode = words.data();
  VkShaderModule named = VK_NULL_HANDLE, reused = VK_NULL_HANDLE;
  KT_CHECK(vkCreateShaderModule(vk(), &moduleInfo, &callbacks, &named));
  Name(VK_OBJECT_TYPE_SHADER_MODULE, reinterpret_cast<uint64_t>(named), "destroyed module");
  vkDestroyShaderModule(vk(), named, &callbacks);
  KT_CHECK(vkCreateShaderModule(vk(), &moduleInfo, &callbacks, &reused));
  ASSERT_EQ(reused, named) << "the module was not made in the slot";

  VkDescriptorSetLayout setLayout;
  VkPipelineLayout layout;
  CreateStorageImageLayout(&setLayout, &layout);
  auto info = Struct<VkComputePipelineCreateInfo>(VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO);
  info.stage = Struct<VkPipelineShaderStageCreateInfo>(VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO);
  info.stage.stage = VK_SHADER_STAGE_COMPUTE_BIT;
  info.stage.module = reused;
  info.stage.pName = "main";
  info.layout = layout;
  VkPipeline pipeline = VK_NULL_HANDLE;
  EXPECT_EQ(vkCreateComputePipelines(vk(), VK_NULL_HANDLE, 1, &info, nullptr, &pipeline), VK_ERROR_INVALID_SHADER_NV);
  std::vector<Message> messages = inbox.With(kPipelineRefused);
  ASSERT_EQ(messages.size(), 1u);
  ASSERT_EQ(messages[0].objects.size(), 1u);
  EXPECT_EQ(messages[0].objects[0].handle, reinterpret_cast<uint64_t>(reused));
  EXPECT_FALSE(messages[0].objects[0].named) << "the new module has the destroyed one's name: "
                                             << messages[0].objects[0].name;
  vkDestroyPipelineLayout(vk(), layout, nullptr);
  vkDestroyDescriptorSetLayout(vk(), setLayout, nullptr);
  vkDestroyShaderModule(vk(), reused, &callbacks);
}

// The loader delivers vkSubmitDebugUtilsMessageEXT itself and does not call the driver, so each
// messenger hears a submitted message once, not once more per driver that implements the extension.
TEST_F(DebugUtils, SubmittedMessageReachesEachMessengerOnce) {
  Inbox first, second, filtered;
  Listen(first.Info());
  Listen(second.Info(VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT, VK_DEBUG_UTILS_MESSAGE_TYPE_GENERAL_BIT_EXT));
  Listen(filtered.Info(VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT));
  auto data = Struct<VkDebugUtilsMessengerCallbackDataEXT>(VK_STRUCTURE_TYPE_DEBUG_UTILS_MESSENGER_CALLBACK_DATA_EXT);
  data.pMessageIdName = "kiln-test-submitted";
  data.messageIdNumber = 42;
  data.pMessage = "a message from the application";
  submit_(instance_->handle(), VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT,
          VK_DEBUG_UTILS_MESSAGE_TYPE_GENERAL_BIT_EXT, &data);
  for (Inbox* inbox : {&first, &second}) {
    std::vector<Message> messages = inbox->With("kiln-test-submitted");
    ASSERT_EQ(messages.size(), 1u);
    EXPECT_EQ(messages[0].idNumber, 42);
    EXPECT_EQ(messages[0].text, "a message from the application");
    EXPECT_EQ(messages[0].severity, VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT);
  }
  EXPECT_TRUE(filtered.With("kiln-test-submitted").empty());
}

// Messengers are made and destroyed while another thread reports: nothing is lost for the
// messenger that stays, and nothing crashes (the tsan build runs this too when the loader label is
// in its stage).
TEST_F(DebugUtils, MessengersComeAndGoWhileAnotherThreadReports) {
  KT_REQUIRE_KILN();
  Inbox steady, churn;
  Listen(steady.Info());
  constexpr int kRefusals = 200;
  std::atomic<bool> done{false};
  std::thread reporter([&] {
    for (int i = 0; i < kRefusals; ++i) EXPECT_EQ(CreateTruncatedModule(), VK_ERROR_INVALID_SHADER_NV);
    done = true;
  });
  const VkDebugUtilsMessengerCreateInfoEXT info = churn.Info();
  int cycles = 0;
  while (!done || cycles == 0) {
    VkDebugUtilsMessengerEXT messenger = VK_NULL_HANDLE;
    ASSERT_EQ(create_(instance_->handle(), &info, nullptr, &messenger), VK_SUCCESS);
    destroy_(instance_->handle(), messenger, nullptr);
    ++cycles;
  }
  reporter.join();
  EXPECT_EQ(steady.With(kModuleRefused).size(), size_t(kRefusals));
  EXPECT_LE(churn.With(kModuleRefused).size(), size_t(kRefusals));
  RecordProperty("messenger_cycles", cycles);
}

// The labels change nothing Kiln does; recording and submitting around them still works, and a
// tag is accepted. (The loader answers these commands itself when a driver lacks them, so this
// shows that Kiln's accept valid input, not that they exist.)
TEST_F(DebugUtils, LabelsAndTagsAreAccepted) {
  auto label = Struct<VkDebugUtilsLabelEXT>(VK_STRUCTURE_TYPE_DEBUG_UTILS_LABEL_EXT);
  label.pLabelName = "kiln test";
  auto queueBegin = device_->Proc<PFN_vkQueueBeginDebugUtilsLabelEXT>("vkQueueBeginDebugUtilsLabelEXT");
  auto queueInsert = device_->Proc<PFN_vkQueueInsertDebugUtilsLabelEXT>("vkQueueInsertDebugUtilsLabelEXT");
  auto queueEnd = device_->Proc<PFN_vkQueueEndDebugUtilsLabelEXT>("vkQueueEndDebugUtilsLabelEXT");
  auto cmdBegin = device_->Proc<PFN_vkCmdBeginDebugUtilsLabelEXT>("vkCmdBeginDebugUtilsLabelEXT");
  auto cmdInsert = device_->Proc<PFN_vkCmdInsertDebugUtilsLabelEXT>("vkCmdInsertDebugUtilsLabelEXT");
  auto cmdEnd = device_->Proc<PFN_vkCmdEndDebugUtilsLabelEXT>("vkCmdEndDebugUtilsLabelEXT");
  auto setTag = device_->Proc<PFN_vkSetDebugUtilsObjectTagEXT>("vkSetDebugUtilsObjectTagEXT");
  for (void* f : {(void*)queueBegin, (void*)queueInsert, (void*)queueEnd, (void*)cmdBegin, (void*)cmdInsert,
                  (void*)cmdEnd, (void*)setTag})
    ASSERT_NE(f, nullptr);

  Buffer buffer(*device_, 256);
  queueBegin(device_->queue(), &label);
  RunOnce(*device_, [&](VkCommandBuffer cmd) {
    cmdBegin(cmd, &label);
    vkCmdFillBuffer(cmd, buffer.handle(), 0, 256, 0x4B494C4Eu);
    cmdInsert(cmd, &label);
    cmdEnd(cmd);
  });
  queueInsert(device_->queue(), &label);
  queueEnd(device_->queue());
  uint32_t first;
  std::memcpy(&first, buffer.data(), 4);
  EXPECT_EQ(first, 0x4B494C4Eu);

  const uint32_t tag = 7;
  auto tagInfo = Struct<VkDebugUtilsObjectTagInfoEXT>(VK_STRUCTURE_TYPE_DEBUG_UTILS_OBJECT_TAG_INFO_EXT);
  tagInfo.objectType = VK_OBJECT_TYPE_BUFFER;
  tagInfo.objectHandle = reinterpret_cast<uint64_t>(buffer.handle());
  tagInfo.tagName = 1;
  tagInfo.tagSize = sizeof tag;
  tagInfo.pTag = &tag;
  EXPECT_EQ(setTag(vk(), &tagInfo), VK_SUCCESS);
}

// The messengers chained to VkInstanceCreateInfo hear what happens during vkCreateInstance and
// vkDestroyInstance, and nothing in between (VkDebugUtilsMessengerCreateInfoEXT); there may be
// several (VUID-VkInstanceCreateInfo-sType-unique excepts them).
TEST(DebugUtilsInstance, ChainedMessengersHearCreateAndDestroyOnly) {
  KT_REQUIRE_KILN();
  UseDriverUnderTestByDefault();
  Inbox first, second;
  VkDebugUtilsMessengerCreateInfoEXT chained[2] = {first.Info(), second.Info()};
  chained[0].pNext = &chained[1];
  const char* extensions[] = {VK_EXT_DEBUG_UTILS_EXTENSION_NAME};
  auto app = Struct<VkApplicationInfo>(VK_STRUCTURE_TYPE_APPLICATION_INFO);
  app.apiVersion = VK_MAKE_API_VERSION(0, 1, 3, 0);
  auto info = Struct<VkInstanceCreateInfo>(VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO);
  info.pNext = &chained[0];
  info.pApplicationInfo = &app;
  info.enabledExtensionCount = 1;
  info.ppEnabledExtensionNames = extensions;
  VkInstance instance = VK_NULL_HANDLE;
  ASSERT_EQ(vkCreateInstance(&info, nullptr, &instance), VK_SUCCESS);
  for (Inbox* inbox : {&first, &second}) {
    std::vector<Message> created = inbox->With("Kiln-vkCreateInstance");
    ASSERT_EQ(created.size(), 1u);
    EXPECT_EQ(created[0].severity, VK_DEBUG_UTILS_MESSAGE_SEVERITY_INFO_BIT_EXT);
    EXPECT_EQ(created[0].types, VkDebugUtilsMessageTypeFlagsEXT(VK_DEBUG_UTILS_MESSAGE_TYPE_GENERAL_BIT_EXT));
    EXPECT_NE(created[0].text.find("the application asked for 1.3.0"), std::string::npos) << created[0].text;
  }

  // Between the two calls, a refused module is not theirs to hear; a messenger made with
  // vkCreateDebugUtilsMessengerEXT proves that it was reported.
  Inbox persistent;
  const VkDebugUtilsMessengerCreateInfoEXT persistentInfo = persistent.Info();
  auto createMessenger = reinterpret_cast<PFN_vkCreateDebugUtilsMessengerEXT>(
      vkGetInstanceProcAddr(instance, "vkCreateDebugUtilsMessengerEXT"));
  auto destroyMessenger = reinterpret_cast<PFN_vkDestroyDebugUtilsMessengerEXT>(
      vkGetInstanceProcAddr(instance, "vkDestroyDebugUtilsMessengerEXT"));
  VkDebugUtilsMessengerEXT messenger = VK_NULL_HANDLE;
  ASSERT_EQ(createMessenger(instance, &persistentInfo, nullptr, &messenger), VK_SUCCESS);
  uint32_t count = 1;
  VkPhysicalDevice physical = VK_NULL_HANDLE;
  ASSERT_EQ(vkEnumeratePhysicalDevices(instance, &count, &physical), VK_SUCCESS);
  const float priority = 1.0f;
  auto queue = Struct<VkDeviceQueueCreateInfo>(VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO);
  queue.queueCount = 1;
  queue.pQueuePriorities = &priority;
  auto deviceInfo = Struct<VkDeviceCreateInfo>(VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO);
  deviceInfo.queueCreateInfoCount = 1;
  deviceInfo.pQueueCreateInfos = &queue;
  VkDevice device = VK_NULL_HANDLE;
  ASSERT_EQ(vkCreateDevice(physical, &deviceInfo, nullptr, &device), VK_SUCCESS);
  const uint32_t notSpirv[5] = {0x12345678u, 0, 0, 0, 0};
  auto moduleInfo = Struct<VkShaderModuleCreateInfo>(VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO);
  moduleInfo.codeSize = sizeof notSpirv;
  moduleInfo.pCode = notSpirv;
  VkShaderModule module = VK_NULL_HANDLE;
  EXPECT_EQ(vkCreateShaderModule(device, &moduleInfo, nullptr, &module), VK_ERROR_INVALID_SHADER_NV);
  vkDestroyDevice(device, nullptr);
  destroyMessenger(instance, messenger, nullptr);
  EXPECT_EQ(persistent.With(kModuleRefused).size(), 1u);
  EXPECT_TRUE(first.With(kModuleRefused).empty());
  EXPECT_TRUE(second.With(kModuleRefused).empty());
  EXPECT_TRUE(first.With("Kiln-vkDestroyInstance").empty());

  // The application's structs are gone before vkDestroyInstance: Kiln kept copies.
  std::memset(chained, 0, sizeof chained);
  vkDestroyInstance(instance, nullptr);
  for (Inbox* inbox : {&first, &second}) {
    std::vector<Message> destroyed = inbox->With("Kiln-vkDestroyInstance");
    ASSERT_EQ(destroyed.size(), 1u);
    EXPECT_EQ(destroyed[0].severity, VK_DEBUG_UTILS_MESSAGE_SEVERITY_VERBOSE_BIT_EXT);
  }
}

// Names live in the device's host memory (its VkAllocationCallbacks): when they refuse,
// vkSetDebugUtilsObjectNameEXT returns VK_ERROR_OUT_OF_HOST_MEMORY, and the device stays usable.
TEST(DebugUtilsDevice, NamingWithoutHostMemoryFails) {
  KT_REQUIRE_KILN();
  struct Switch {
    std::atomic<bool> refuse{false};
    static void* VKAPI_CALL Allocate(void* self, size_t size, size_t alignment, VkSystemAllocationScope) {
      if (static_cast<Switch*>(self)->refuse) return nullptr;
      void* p = nullptr;
      return posix_memalign(&p, std::max(alignment, sizeof(void*)), size) == 0 ? p : nullptr;
    }
    static void* VKAPI_CALL Reallocate(void*, void*, size_t, size_t, VkSystemAllocationScope) {
      return nullptr;  // Kiln does not reallocate
    }
    static void VKAPI_CALL Free(void*, void* p) { std::free(p); }
  } allocator;
  VkAllocationCallbacks callbacks{&allocator, &Switch::Allocate, &Switch::Reallocate, &Switch::Free, nullptr, nullptr};

  InstanceOptions instanceOptions;
  instanceOptions.extensions.push_back(VK_EXT_DEBUG_UTILS_EXTENSION_NAME);
  instanceOptions.validation = false;
  auto instance = Instance::Create(instanceOptions);
  DeviceOptions deviceOptions;
  deviceOptions.allocator = &callbacks;
  auto device = Device::Create(*instance, deviceOptions);
  auto setName = device->Proc<PFN_vkSetDebugUtilsObjectNameEXT>("vkSetDebugUtilsObjectNameEXT");
  ASSERT_NE(setName, nullptr);
  auto info = Struct<VkDebugUtilsObjectNameInfoEXT>(VK_STRUCTURE_TYPE_DEBUG_UTILS_OBJECT_NAME_INFO_EXT);
  info.objectType = VK_OBJECT_TYPE_DEVICE;
  info.objectHandle = reinterpret_cast<uint64_t>(device->handle);
  info.pObjectName = "a name long enough that no string keeps it inside itself";

  allocator.refuse = true;
  EXPECT_EQ(setName(device->handle, &info), VK_ERROR_OUT_OF_HOST_MEMORY);
  allocator.refuse = false;
  EXPECT_EQ(setName(device->handle, &info), VK_SUCCESS);
}

}  // namespace
}  // namespace kiln_test
